#!/usr/bin/env python3
# Capture raw NETLINK_SOCK_DIAG dump replies as fixtures for test_local.c.
# Run as root inside a throw-away namespace that holds a known set of
# sockets (see README.md here); writes one file per received chunk.
# `capture.py exact` instead makes its own loopback sockets and writes the
# replies to one-socket lookups (exact-*.bin, seeds of fuzz_sockdiag).
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

def exact_req(family, proto, src, sport, dst, dport, seq):
    """A one-socket request (no NLM_F_DUMP); addresses as 16 bytes."""
    sockid = struct.pack("!HH", sport, dport) + src + dst + \
        struct.pack("=III", 0, 0xffffffff, 0xffffffff)
    body = struct.pack("=BBBxI", family, proto, 0, ALL) + sockid
    return struct.pack("=IHHII", 16 + len(body), SOCK_DIAG_BY_FAMILY,
                       NLM_F_REQUEST, seq, 0) + body

def one(req, name):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
    s.send(req)
    with open(f"{name}.bin", "wb") as f:
        f.write(s.recv(65536))

def v4(a):
    return socket.inet_aton(a) + b"\0" * 12

ALL = 0xffe
if sys.argv[1:] == ["exact"]:
    # Replies to one-socket lookups (the socket table's exact mode), as
    # seeds of fuzz_sockdiag: a dual-stack server talking IPv4 (an AF_INET6
    # message with mapped addresses), a connected UDP socket (udp_diag takes
    # the remote end as src), and the ENOENT error for a tuple nobody has.
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    srv.bind(("::ffff:127.0.0.1", 0))
    srv.listen(1)
    cli = socket.create_connection(("127.0.0.1", srv.getsockname()[1]))
    acc, _ = srv.accept()
    sp, cp = srv.getsockname()[1], cli.getsockname()[1]
    one(exact_req(socket.AF_INET, socket.IPPROTO_TCP, v4("127.0.0.1"), sp,
                  v4("127.0.0.1"), cp, 1), "exact-tcp-mapped")
    u1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u1.bind(("127.0.0.1", 0))
    u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u2.bind(("127.0.0.1", 0))
    u1.connect(u2.getsockname())
    u2.connect(u1.getsockname())
    one(exact_req(socket.AF_INET, socket.IPPROTO_UDP, v4("127.0.0.1"),
                  u2.getsockname()[1], v4("127.0.0.1"),
                  u1.getsockname()[1], 2), "exact-udp4")
    one(exact_req(socket.AF_INET, socket.IPPROTO_TCP, v4("127.0.0.1"), 1,
                  v4("127.0.0.1"), 1, 3), "exact-enoent")
    sys.exit(0)
dump(inet_req(socket.AF_INET, socket.IPPROTO_TCP, ALL, 1), "tcp4")
dump(inet_req(socket.AF_INET6, socket.IPPROTO_TCP, ALL, 2), "tcp6")
dump(inet_req(socket.AF_INET, socket.IPPROTO_UDP, ALL, 3), "udp4")
dump(unix_req(ALL, 4), "unix")
dump(inet_req(socket.AF_INET, socket.IPPROTO_RAW, ALL, 5), "raw4")
