#!/usr/bin/python3
# rpcdump_samba.py RPCDUMP.PY ARGS... - impacket's rpcdump.py, run as is,
# with one check relaxed so that it can list a Samba server: impacket 0.10's
# DCERPC request() raises on any non-zero last word of a response, and
# Samba answers the last ept_lookup page with its entries and the status
# EPT_S_NOT_REGISTERED (0x16c9a0d6), so plain rpcdump reports "No endpoints
# found".  With checkError=False, rpcdump's own lookup loop (it stops on a
# zeroed handle) and tower decoding give the list.
import runpy
import sys

import impacket.dcerpc.v5.rpcrt as rpcrt

orig = rpcrt.DCERPC_v5.request


def request(self, req, uuid=None, checkError=True):
    return orig(self, req, uuid, checkError=False)


rpcrt.DCERPC_v5.request = request
path = sys.argv[1]
sys.argv = [path] + sys.argv[2:]
runpy.run_path(path, run_name="__main__")
