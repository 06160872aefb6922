#!/usr/bin/env python3
# fake_epm.py ADDR MODE DATADIR - an endpoint mapper on ADDR:135 for the
# rpc lab test, built from the real Samba exchange recorded in
# DATADIR/probe/rpc-samba-*.bin.  It answers any bind with Samba's
# bind_ack and each ept_lookup request according to MODE:
#   windows  two pages: a live handle, then a zeroed handle and status 0
#            (Windows' end signal), each stub cut into 200-byte fragments
#   endless  the same page and a live handle forever
#   flood    one response that never ends: fragments without LAST_FRAG
#   bigfrag  a header announcing 65535 bytes, then silence
#   drip     endless, each page sent just under half a second late
import socket, struct, sys, threading, time

addr, mode, data = sys.argv[1], sys.argv[2], sys.argv[3]
ack = open(data + "/probe/rpc-samba-bind-ack.bin", "rb").read()
f1 = open(data + "/probe/rpc-samba-lookup-frag1.bin", "rb").read()
f2 = open(data + "/probe/rpc-samba-lookup-frag2.bin", "rb").read()
stub = f1[24:] + f2[24:]  # handle(20) num_ents ... status(4)
HANDLE = b"\0\0\0\0" + bytes(range(1, 17))


def page(handle, status):
    return handle + stub[20:-4] + struct.pack("<I", status)


def response(call_id, body, size=200):
    out = b""
    for i in range(0, len(body), size):
        part = body[i:i + size]
        flags = (1 if i == 0 else 0) | (2 if i + size >= len(body) else 0)
        out += struct.pack("<BBBB4sHHIIHBB", 5, 0, 2, flags, b"\x10\0\0\0",
                           24 + len(part), 0, call_id, len(body), 0, 0, 0)
        out += part
    return out


def recv_pdu(c):
    head = b""
    while len(head) < 16:
        more = c.recv(16 - len(head))
        if not more:
            return None
        head += more
    (fl,) = struct.unpack_from("<H", head, 8)
    rest = b""
    while len(rest) < fl - 16:
        more = c.recv(fl - 16 - len(rest))
        if not more:
            return None
        rest += more
    return head + rest


def serve(c):
    calls = 0
    try:
        while True:
            pdu = recv_pdu(c)
            if pdu is None:
                return
            (call_id,) = struct.unpack_from("<I", pdu, 12)
            if pdu[2] == 11:  # bind
                c.sendall(ack[:12] + struct.pack("<I", call_id) + ack[16:])
                continue
            calls += 1
            if mode == "windows":
                last = calls >= 2
                c.sendall(response(call_id,
                                   page(bytes(20) if last else HANDLE, 0)))
            elif mode == "endless":
                c.sendall(response(call_id, page(HANDLE, 0), 4000))
            elif mode == "flood":
                frag = struct.pack("<BBBB4sHHIIHBB", 5, 0, 2, 1, b"\x10\0\0\0",
                                   4024, 0, call_id, 0, 0, 0, 0) + bytes(4000)
                c.sendall(frag)
                mid = bytearray(frag)
                mid[3] = 0
                while True:
                    c.sendall(mid)
            elif mode == "drip":
                time.sleep(0.45)
                c.sendall(response(call_id, page(HANDLE, 0), 4000))
            elif mode == "bigfrag":
                c.sendall(struct.pack("<BBBB4sHHI", 5, 0, 2, 3, b"\x10\0\0\0",
                                      65535, 0, call_id) + bytes(100))
                threading.Event().wait()
    except OSError:
        pass
    finally:
        c.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, 135))
s.listen(16)
while True:
    conn, _ = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
