#!/usr/bin/env python3
# Capture raw NETLINK_SOCK_DIAG dump replies as fixtures for test_local.c.
# Run as root inside a throw-away namespace that holds a known set of
# sockets (see README.md here); writes one file per received chunk.
import socket, struct, sys

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 1, 0x300

def inet_req(family, proto, states, seq):
    body = struct.pack("=BBBxI", family, proto, 0, states) + b"\0" * 48
    return struct.pack("=IHHII", 16 + len(body), SOCK_DIAG_BY_FAMILY,
                       NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + body

def unix_req(states, seq):
    body = struct.pack("=BBxxIIIII", socket.AF_UNIX, 0, states, 0,
                       0x1 | 0x4 | 0x10 | 0x40, 0, 0)
    return struct.pack("=IHHII", 16 + len(body), SOCK_DIAG_BY_FAMILY,
                       NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + body

def dump(req, name):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
    s.send(req)
    i = 0
    while True:
        data = s.recv(65536)
        with open(f"{name}.{i}.bin", "wb") as f:
            f.write(data)
        i += 1
        # done when the chunk holds NLMSG_DONE (3) or NLMSG_ERROR (2)
        off, done = 0, False
        while off + 16 <= len(data):
            ln, ty = struct.unpack_from("=IH", data, off)
            if ty in (2, 3):
                done = True
            off += (ln + 3) & ~3
        if done:
            break

ALL = 0xffe
dump(inet_req(socket.AF_INET, socket.IPPROTO_TCP, ALL, 1), "tcp4")
dump(inet_req(socket.AF_INET6, socket.IPPROTO_TCP, ALL, 2), "tcp6")
dump(inet_req(socket.AF_INET, socket.IPPROTO_UDP, ALL, 3), "udp4")
dump(unix_req(ALL, 4), "unix")
dump(inet_req(socket.AF_INET, socket.IPPROTO_RAW, ALL, 5), "raw4")
