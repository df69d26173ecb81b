#!/usr/bin/python3
# A DHCP client built with scapy (Debian python3-scapy), independent of the project's own codec: it sends
# one request shaped like a given firmware, from a client namespace at layer 2, and prints the first
# answer, decoded by scapy, as JSON. Tests send the same request to the agent and to a reference server
# (dnsmasq) and compare the answers.
#   /usr/bin/python3 test/support/dhcp-reference-probe.py <iface> <mac> <firmware> [<server> [<item>]]
# firmware: pxe-bios (a PXE 2.1 BIOS ROM's DISCOVER), pxe-uefi (an x86-64 UEFI PXE DISCOVER), rpi (a
# Raspberry Pi 4 bootloader's DISCOVER: the same fields as pxe-bios, the bootloader presents itself as a
# PXE BIOS ROM; the Pi is told apart by its MAC); with "-4011" (pxe-bios-4011), that ROM's boot server
# REQUEST to a ProxyDHCP server's port 4011, unicast to <server>, for boot item <item> (the type of the
# menu item the ROM picked, layer 0), or with no option 43 when the offer had no menu.
import json
import random
import sys

from scapy.all import BOOTP, DHCP, IP, UDP, Ether, bind_layers, conf, srp1

# scapy decodes BOOTP on ports 67 and 68 only; ProxyDHCP answers from 4011 too.
bind_layers(UDP, BOOTP, sport=4011)

# Vendor class and architecture (RFC 4578 option 93) of each firmware.
FIRMWARE = {
    "pxe-bios": (b"PXEClient:Arch:00000:UNDI:002001", 0),
    "pxe-uefi": (b"PXEClient:Arch:00007:UNDI:003016", 7),
    "rpi": (b"PXEClient:Arch:00000:UNDI:002001", 0),
}
# What PXE ROMs (and the Raspberry Pi 4 bootloader) send besides: client UUID 97, UNDI (94), and this
# parameter request list (43 and 60 among them).
PXE_PARAMS = [1, 3, 43, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135]


def mac_bytes(mac):
    return bytes(int(part, 16) for part in mac.split(":"))


def request(mac, firmware, server, item):
    xid = random.randint(1, 0xFFFFFFFF)
    guid = b"\x00" + bytes(random.getrandbits(8) for _ in range(16))
    vci, arch = FIRMWARE[firmware.removesuffix("-4011")]
    options = [("message-type", "request" if firmware.endswith("4011") else "discover")]
    options += [
        ("param_req_list", PXE_PARAMS),
        ("max_dhcp_size", 1260),
        ("pxe_client_machine_identifier", guid),
        ("pxe_client_architecture", arch.to_bytes(2, "big")),
        ("pxe_client_network_interface", b"\x01\x02\x01"),
        ("vendor_class_id", vci),
    ]
    if firmware.endswith("4011") and item is not None:
        # Boot server discovery (PXE 2.1): the boot item chosen from the menu (type, layer 0).
        options.append(("vendor_specific", bytes([71, 4]) + item.to_bytes(2, "big") + bytes([0, 0, 255])))
    options.append("end")
    bootp = BOOTP(op=1, chaddr=mac_bytes(mac) + b"\x00" * 10, xid=xid, flags=0x8000)
    if firmware.endswith("4011"):
        # The ROM has its address from the authoritative server by now: a unicast to port 4011.
        own = conf.route.route(server)[1]
        bootp.ciaddr, bootp.flags = own, 0
        ip = IP(src=own, dst=server) / UDP(sport=68, dport=4011)
    else:
        ip = IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67)
    return Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / ip / bootp / DHCP(options=options), xid, guid


def sub_options(value):
    """Option 43 as PXE sub-options (RFC 4578 / PXE 2.1): {code: hex}; undecodable → None."""
    out, i = {}, 0
    while i < len(value):
        code = value[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        if i + 2 > len(value) or i + 2 + value[i + 1] > len(value):
            return None
        out[str(code)] = value[i + 2 : i + 2 + value[i + 1]].hex()
        i += 2 + value[i + 1]
    return out


def describe(reply):
    bootp = reply[BOOTP]
    options = {}
    for option in reply[DHCP].options:
        if isinstance(option, tuple):
            name, value = option[0], option[1:]
            value = value[0] if len(value) == 1 else list(value)
            if isinstance(value, bytes):
                value = {"hex": value.hex(), "text": value.decode("latin1")}
            options[str(name)] = value
    vendor = options.get("vendor_specific")
    return {
        "from": reply[IP].src,
        "sport": reply[UDP].sport,
        "op": bootp.op,
        "yiaddr": bootp.yiaddr,
        "siaddr": bootp.siaddr,
        "sname": bootp.sname.rstrip(b"\x00").decode("latin1"),
        "file": bootp.file.rstrip(b"\x00").decode("latin1"),
        "options": options,
        "pxe": sub_options(bytes.fromhex(vendor["hex"])) if vendor else None,
    }


def main():
    iface, mac, firmware = sys.argv[1:4]
    server = sys.argv[4] if len(sys.argv) > 4 else None
    item = int(sys.argv[5]) if len(sys.argv) > 5 else None
    if firmware.removesuffix("-4011") not in FIRMWARE or (firmware.endswith("-4011") and not server):
        names = "|".join(FIRMWARE)
        sys.exit(f"usage: dhcp-reference-probe.py <iface> <mac> {names}[-4011] [<server>]")
    conf.checkIPaddr = False  # the answer to a broadcast comes from the server's own address
    conf.verb = 0
    packet, xid, guid = request(mac, firmware, server, item)
    reply = srp1(packet, iface=iface, timeout=10, retry=2, filter=None)
    if reply is None or BOOTP not in reply or reply[BOOTP].xid != xid:
        print("no answer", file=sys.stderr)
        sys.exit(2)
    print(json.dumps({"sent": {"xid": xid, "uuid": guid.hex()}, **describe(reply)}))


main()
