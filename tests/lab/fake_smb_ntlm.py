#!/usr/bin/env python3
# fake_smb_ntlm.py ADDR MODE - an SMB2 server on ADDR:445 for the smb
# --shares lab test.  It answers any NEGOTIATE with 3.1.1 (signing enabled,
# not required) and the SESSION_SETUP according to MODE:
#   control  a CHALLENGE_MESSAGE whose names hold an escape sequence, a BEL
#            and a lone UTF-16 surrogate, with a Windows 10.0.17763 VERSION
#   cut      the challenge cut to 40 bytes
#   overrun  an AV_PAIR that claims 60000 bytes
#   huge     a stream header announcing 16 MiB
import socket, struct, sys
ip, mode = sys.argv[1], sys.argv[2]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((ip, 445)); s.listen(8)
def frame(b): return b"\0" + len(b).to_bytes(3, "big") + b
def hdr(cmd, status, mid):
    return (b"\xfeSMB" + struct.pack("<HHIHHII", 64, 0, status, cmd, 1, 1, 0)
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
while True:
    c, _ = s.accept()
    try:
        recv(c); c.sendall(negresp()); recv(c)
        if mode == "huge":
            c.sendall(b"\0\xff\xff\xff" + b"\0" * 1000)
        elif mode == "control":
            blob = chal([(1, "EVIL\x1b[31mNAME\x07".encode("utf-16-le")),
                         (2, "DOM\ud800".encode("utf-16-le", "surrogatepass"))])
        elif mode == "cut":
            blob = chal([(1, "X".encode("utf-16-le"))])[:40]
        elif mode == "overrun":
            blob = chal([(1, b"A\0" * 4)])
            blob = blob[:56] + struct.pack("<HH", 1, 60000) + blob[60:]
        if mode != "huge":
            body = struct.pack("<HHHH", 9, 0, 72, len(blob)) + blob
            c.sendall(frame(hdr(1, 0xc0000016, 1) + body))
        c.recv(100)
    except OSError:
        pass
    c.close()
