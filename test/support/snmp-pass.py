#!/usr/bin/env python3
# The pass_persist handler of the test switch (test/support/snmpd.ts): snmpd hands it the requests
# under the OID it is registered for, it answers from a JSON table {oid: [type, value]} kept in
# memory. A SET of pethPsePortAdminEnable (POWER-ETHERNET-MIB, 1.3.6.1.2.1.105.1.1.1.3.<group>.<port>)
# is first reported to the test over a unix socket ("<group>.<port> <1|2>\n"; the test then powers a
# real process on or off), and only then committed: a test that does not listen fails the SET.
# Protocol: snmpd(8) pass_persist (PING/get/getnext/set, one field per line).
import json
import socket
import sys

ADMIN_ENABLE = (1, 3, 6, 1, 2, 1, 105, 1, 1, 1, 3)


def key(oid):
    return tuple(int(part) for part in oid.strip('.').split('.') if part)


def dotted(parts):
    return '.' + '.'.join(str(p) for p in parts)


def load(path):
    with open(path) as f:
        raw = json.load(f)
    return {key(oid): (kind, str(value)) for oid, (kind, value) in raw.items()}


def answer(oid, entry):
    kind, value = entry
    sys.stdout.write(f'{dotted(oid)}\n{kind}\n{value}\n')


def notify(sock_path, oid, value):
    # Written and closed without waiting for the test: snmpd gives this handler about a second to
    # answer, and the test's event loop may be busy for longer on a loaded machine.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(sock_path)
        s.sendall(f'{".".join(str(p) for p in oid[len(ADMIN_ENABLE):])} {value}\n'.encode())


def do_set(table, oid, typed, sock_path):
    kind, _, value = typed.partition(' ')
    if oid[: len(ADMIN_ENABLE)] != ADMIN_ENABLE or oid not in table:
        return 'not-writable'
    if kind != 'integer' or value not in ('1', '2'):
        return 'wrong-value'
    if sock_path:
        notify(sock_path, oid, value)
    table[oid] = ('integer', value)
    return 'DONE'


def main():
    table = load(sys.argv[1])
    sock_path = sys.argv[2] if len(sys.argv) > 2 else None
    for line in sys.stdin:
        command = line.strip()
        if command == 'PING':
            sys.stdout.write('PONG\n')
        elif command == 'get':
            oid = key(sys.stdin.readline())
            if oid in table:
                answer(oid, table[oid])
            else:
                sys.stdout.write('NONE\n')
        elif command == 'getnext':
            oid = key(sys.stdin.readline())
            following = sorted(k for k in table if k > oid)
            if following:
                answer(following[0], table[following[0]])
            else:
                sys.stdout.write('NONE\n')
        elif command == 'set':
            oid = key(sys.stdin.readline())
            typed = sys.stdin.readline().strip()
            try:
                sys.stdout.write(do_set(table, oid, typed, sock_path) + '\n')
            except OSError:
                sys.stdout.write('commit-failed\n')
        elif command == '':
            break
        else:
            sys.stdout.write('NONE\n')
        sys.stdout.flush()


main()
