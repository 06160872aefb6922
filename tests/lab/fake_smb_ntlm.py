#!/usr/bin/env python3
# fake_smb_ntlm.py ADDR MODE - a hostile SMB2 server on ADDR:445 for the smb
# --shares lab test.  It answers any NEGOTIATE with 3.1.1 (signing enabled,
# not required) and the SESSION_SETUP according to MODE:
#   control  a CHALLENGE_MESSAGE whose names hold an escape sequence, a BEL
#            and a lone UTF-16 surrogate, with a Windows 10.0.17763 VERSION
#   cut      the challenge cut to 40 bytes
#   overrun  an AV_PAIR that claims 60000 bytes
#   huge     a stream header announcing 16 MiB
#   pendflood  40 interim responses (STATUS_PENDING, async) and no answer
# and in the share modes logs anyone on (no session flag), connects IPC$,
# opens the srvsvc pipe, accepts the bind and answers NetrShareEnum with:
#   names      two shares, one named with an escape sequence and a BEL
#   many       EntriesRead 1000000
#   stubcut    the share list cut inside its entries
#   pending    the list ["a", "IPC$"], each pipe answer after an interim
#              response (STATUS_PENDING), as Samba's samba-dcerpcd gives
import socket, struct, sys
ip, mode = sys.argv[1], sys.argv[2]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((ip, 445)); s.listen(8)
def frame(b): return b"\0" + len(b).to_bytes(3, "big") + b
def hdr(cmd, status, mid, flags=1):
    return (b"\xfeSMB" + struct.pack("<HHIHHII", 64, 0, status, cmd, 1, flags, 0)
            + struct.pack("<Q", mid) + b"\0" * 4 + b"\0" * 4 + struct.pack("<Q", 0x11) + b"\0" * 16)
def negresp():
    ctx = struct.pack("<HHI", 1, 38, 0) + struct.pack("<HHH", 1, 32, 1) + b"\x11" * 32
    body = struct.pack("<HHHH", 65, 1, 0x311, 1) + b"\x22" * 16 + struct.pack("<IIII", 0, 65536, 65536, 65536)
    body += struct.pack("<QQ", 0, 0) + struct.pack("<HHI", 128, 0, 128)
    return frame(hdr(0, 0, 0) + body + ctx)
def recv(c):
    h = c.recv(4, socket.MSG_WAITALL)
    if len(h) < 4: return None
    n = int.from_bytes(h[1:], "big"); return c.recv(n, socket.MSG_WAITALL)
def chal(pairs):
    info = b"".join(struct.pack("<HH", i, len(v)) + v for i, v in pairs) + b"\0\0\0\0"
    m = b"NTLMSSP\0" + struct.pack("<IHHII", 2, 0, 0, 56, 0xa2898205) + b"\x33" * 8 + b"\0" * 8
    m += struct.pack("<HHI", len(info), len(info), 56) + bytes([10, 0, 0x63, 0x45, 0, 0, 0, 15]) + info
    return m
def interim(cmd, mid):  # MS-SMB2 3.3.4.2: async, STATUS_PENDING, an error body
    return frame(hdr(cmd, 0x103, mid, 3) + struct.pack("<HBBI", 9, 0, 0, 0) + b"\0")
def ok(cmd, mid, body):
    return frame(hdr(cmd, 0, mid) + body)
def stub_of(names):
    b = bytearray()
    def u32(v):
        while len(b) % 4: b.append(0)
        b.extend(struct.pack("<I", v))
    def text(x):
        x += "\0"; u32(len(x)); u32(0); u32(len(x)); b.extend(x.encode("utf-16-le"))
    u32(1); u32(1); u32(0x20000); u32(len(names)); u32(0x20004); u32(len(names))
    for i, n in enumerate(names): u32(0x20008 + i); u32(3 if n == "IPC$" else 0); u32(0x30000 + i)
    for n in names: text(n); text("")
    u32(len(names)); u32(0); u32(0)
    return bytes(b)
def shares_stub():
    if mode == "names": return stub_of(["EVIL\x1b[2Jshare\x07", "IPC$"])
    b = stub_of(["a", "IPC$"])
    if mode == "many": return b[:12] + struct.pack("<I", 1000000) + b[16:]
    if mode == "pending": return b
    return b[:40]  # stubcut: inside the entries
def rpc_response(stub):
    h = struct.pack("<BBBB4sHHI", 5, 0, 2, 3, b"\x10\0\0\0", 24 + len(stub), 0, 2)
    return h + struct.pack("<IHBB", len(stub), 0, 0, 0) + stub
BIND_ACK = bytes.fromhex("05000c03100000003c00000001000000b810b810664e00000400313335000000"
                         "01000000000000000" "45d888aeb1cc9119fe808002b10486002000000")
def serve(c):
    recv(c); c.sendall(negresp())
    while True:
        m = recv(c)
        if not m: return
        cmd, = struct.unpack_from("<H", m, 12)
        mid, = struct.unpack_from("<Q", m, 24)
        if cmd == 1 and b"NTLMSSP\0\x01" in m:
            if mode == "huge":
                c.sendall(b"\0\xff\xff\xff" + b"\0" * 1000); return
            if mode == "pendflood":
                c.sendall(interim(1, mid) * 40); recv(c); return
            if mode == "control":
                blob = chal([(1, "EVIL\x1b[31mNAME\x07".encode("utf-16-le")),
                             (2, "DOM\ud800".encode("utf-16-le", "surrogatepass"))])
            elif mode == "cut":
                blob = chal([(1, "X".encode("utf-16-le"))])[:40]
            elif mode == "overrun":
                blob = chal([(1, b"A\0" * 4)])
                blob = blob[:56] + struct.pack("<HH", 1, 60000) + blob[60:]
            else:
                blob = chal([(1, "FAKE".encode("utf-16-le"))])
            body = struct.pack("<HHHH", 9, 0, 72, len(blob)) + blob
            c.sendall(frame(hdr(1, 0xc0000016, mid) + body))
            if mode in ("control", "cut", "overrun"): return
        elif cmd == 1:
            c.sendall(ok(1, mid, struct.pack("<HHHH", 9, 0, 0, 0)))
        elif cmd == 3:
            ipc = "IPC$".encode("utf-16-le") in m
            if ipc:
                c.sendall(ok(3, mid, struct.pack("<HBBIII", 16, 2, 0, 0, 0, 0x1f01ff)))
            else:
                c.sendall(frame(hdr(3, 0xc0000022, mid) + struct.pack("<HBBI", 9, 0, 0, 0)))
        elif cmd == 5:
            c.sendall(ok(5, mid, struct.pack("<HBBI", 89, 0, 0, 1) + b"\0" * 56
                         + b"\x44" * 16 + struct.pack("<II", 0, 0)))
        elif cmd == 11:
            pdu = m[120:]
            out = BIND_ACK if pdu[2] == 11 else rpc_response(shares_stub())
            if mode == "pending":
                c.sendall(interim(11, mid))
            c.sendall(ok(11, mid, struct.pack("<HHI", 49, 0, 0x11c017) + b"\x44" * 16
                         + struct.pack("<IIIIII", 112, 0, 112, len(out), 0, 0) + out))
        else:
            return
while True:
    c, _ = s.accept()
    try:
        serve(c)
    except OSError:
        pass
    c.close()
