"""Writes the hand-written seeds of the fuzz targets into corpus/<target>/ (next to this
file), each named by its SHA-1 as libFuzzer names the inputs it adds. Run it after
`cargo fuzz cmin`, which may drop seeds whose coverage other inputs have: the seeds say
what the targets are about (the commands, the caps, the HTTP requests) and hold the
inputs of the bugs fuzzing found.

An input is a five-byte header (read sizes, a knob, a stretch: see src/lib.rs) and the
bytes a client sends.
"""
import hashlib
import os
import sys

os.chdir(os.path.dirname(os.path.abspath(__file__)))


def h(reads=0, knob=0, stretch_at=None, count=0):
    """The header: read sizes, knob, and a stretch of `count` at `stretch_at`."""
    b2 = 0 if stretch_at is None else (0x80 | (0x40 if count > 255 else 0) | stretch_at)
    return bytes([reads, knob, b2, count & 0xff, count >> 8])


key = b"dGhlIHNhbXBsZSBub25jZQ=="
seeds = {
 'resp_parser': [
  h() + b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
  h(7) + b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
  h(2) + b"PING\r\nECHO  hi\tthere\n\r\n",
  h(3) + b"*0\r\n*-1\r\n*1\r\n$0\r\n\r\n",
  h(1) + b"*1\r\n$4\r\nPI",
  h(0) + b"*2\r\nx",
  h(5) + b"*1\r\n$536870913\r\n",
  h(5) + b"*1048577\r\n",
  h(4) + b"*1\r\n$3\r\nabcd\r\n",
  h(0) + b"*01\r\n",
  # the inline and header caps, reached with the line's \n in one read and not (a
  # line over the cap was a command in one read and an error in pieces)
  h(6, 0, 0, 65535) + b"xy\r\n",
  h(7, 0, 0, 65535) + b"xy\r\n",
  h(6, 0, 1, 65535) + b"*11\r\n",
  h(6, 0, 5, 65535) + b"*1\r\n$11\r\n",
  h(2) + b"GET / HTTP/1.1\r\n",
 ],
 'resp_session': [
  h() + b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
  h(7) + b"SET n 41\r\nINCR n\r\nGET n\r\nDEL n x\r\nEXISTS n\r\nDBSIZE\r\n",
  h(3) + b"SET k v EX 100\r\nTTL k\r\nPTTL k\r\nEXPIRE k 5\r\nPEXPIRE k -1\r\nSET k v PX 10 NX\r\nSET k v XX\r\n",
  h(2) + b"PING\r\nPING hi\r\nECHO x\r\nCONFIG GET save appendonly\r\nCONFIG SET x\r\nCOMMAND DOCS\r\nQUIT\r\n",
  h(1) + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
  h(1) + b"GET /x HTTP/1.0\r\n",
  h(5) + b"NOPE a b\r\nGET\r\nSET k v EX 99999999999999999\r\nINCR k\r\n",
  h(4) + b"*1\r\n$536870912\r\nabc",
  h(6) + b"*2\r\n$4\r\nECHO\r\n$3\r\na\r\n\r\n",
  h(0) + b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI",
  h(7, 0, 5, 65535) + b"ECHO xy\r\n",
  h(7, 0, 3, 20000) + b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20001\r\nv\r\nGET k\r\n",
 ],
 'chat_lines': [
  h(0, 0x80) + b"alice\r\nhello, everyone\n/nick bob\n/nick\n/who\n   \n/quit\n",
  h(7, 0x80) + b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
  h(2, 4) + b"abcd\r\nabcde\n",
  h(1, 5) + b"one\rtwo\n\xffbad\nunfinished",
  h(3, 0x80, 0, 4095) + b"x\r\nnext\n",
  h(6, 0x80, 0, 4097) + b"y",
  h(0, 8) + b"/nick  \xc3\xa9t\xc3\xa9 \n* notice\n",
  # found by chat_lines: a \r inside a message, a \r\n split between reads at the cap
  bytes([0x80, 0x5f, 0, 0, 0]) + b"\0" * 13 + b"xex\n\rnxt\n",
  bytes([0x02, 0x04, 0x3b, 0x11, 0x63]) + b"\r\nabce\n\x80\xff\x0fx\r\n",
 ],
 'chat_http': [
  h() + b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
  h() + b"HEAD /?x=1 HTTP/1.1\r\n\r\n",
  h() + b"GET /x HTTP/1.0\r\n\r\n",
  h() + b"POST / HTTP/1.1\r\n\r\n",
  h() + b"GET /ws HTTP/1.1\r\nHost: localhost\r\n\r\n",
  h() + b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + b"\r\n\r\n",
  h() + b"POST /ws HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + b"\r\n\r\n",
  h() + b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Version: 8\r\n\r\n",
  h() + b"GET /ws HTTP/1.1\r\nno colon here\r\n\r\n",
  h(0, 0, 30, 9000) + b"GET / HTTP/1.1\r\nX-Filler: 0123456789abcdef\r\n\r\n",
  h(0, 0, 20, 5000) + b"GET / HTTP/1.1\r\nX: y\r\n\r\n",
  h() + b"alice\r\n",
 ],
}
dest = sys.argv[1] if len(sys.argv) > 1 else 'corpus'
for t, ss in seeds.items():
    os.makedirs(f'{dest}/{t}', exist_ok=True)
    for s in ss:
        open(f'{dest}/{t}/{hashlib.sha1(s).hexdigest()}', 'wb').write(s)
