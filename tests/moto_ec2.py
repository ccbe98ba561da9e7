"""A real EC2 API on loopback for the aws:/sync tests: moto's server (``moto[server]``) in a thread on
127.0.0.1, reached by boto3 over HTTP through ``AWS_ENDPOINT_URL``.

What moto (5.x) returns for a VPN connection, and what ``aws_like`` adds
-------------------------------------------------------------------------
moto stores no ``Options`` (``CreateVpnConnection``'s StaticRoutesOnly and TunnelOptions are
dropped, ``Options`` is absent from DescribeVpnConnections) and its ``CustomerGatewayConfiguration``
is one fixed document: the same two tunnels (AWS 52.2.144.13, customer 12.1.2.3, inside
169.254.44.40/30, one fixed PSK, BGP 65000/7224) for every connection, whatever the customer
gateway, gateway ASN or options.  ``test_plain_moto_*`` use exactly that.  For tests that need
several distinct connections, the ``aws_like`` fixture teaches the running server what AWS does:
it keeps the request's Options (and returns them, with OutsideIpAddress/TunnelInsideCidr/
PreSharedKey filled in, as AWS does) and writes a per-connection document from them (outside
IPs from 203.0.113.0/24, inside /30s from the options or 169.254.100+n.0/30, the customer
gateway's IP and ASN, the gateway's ASN, no BGP for static connections).  The HTTP, the
serialisation and boto3's parsing stay moto's and botocore's.
"""

from __future__ import annotations

import contextlib
import os
import socket
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

# distinctive fake credentials: the tests assert that none of them ever appears anywhere
ACCESS_KEY = "AKIAVPNXLATEFAKEKEY7"
SECRET_KEY = "vpnxlate/fake+SECRET/do-not-print-0123456789"
SESSION_TOKEN = "vpnxlate-fake-SESSION-token-do-not-print"
CREDENTIALS = (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
REGION = "eu-west-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def aws_env(endpoint: str) -> dict[str, str]:
    """The environment a test runs vpnxlate in: fake credentials, the loopback endpoint, no ~/.aws."""
    return {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "VPNXLATE_AWS_LOOPBACK_ONLY": "1",
    }


_CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_ENDPOINT_URL_EC2",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "AWS_CA_BUNDLE",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "https_proxy",
    "http_proxy",
)


def set_env(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for k, v in aws_env(endpoint).items():
        monkeypatch.setenv(k, v)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's server on 127.0.0.1:<free port>; yields its URL."""
    from moto.server import ThreadedMotoServer  # a test dependency: a broken install fails here

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture
def ec2(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A boto3 EC2 client on a freshly reset moto server, with the test environment set."""
    import boto3

    req = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(req, timeout=10):
        pass
    set_env(monkeypatch, moto_server)
    client = boto3.client("ec2")
    assert client.meta.endpoint_url == moto_server  # AWS_ENDPOINT_URL honoured: never a real endpoint
    return client


# ------------------------------------------------------------------ aws_like: documents like AWS's

_TUNNEL = """\
  <ipsec_tunnel>
    <customer_gateway>
      <tunnel_outside_address><ip_address>{cgw_ip}</ip_address></tunnel_outside_address>
      <tunnel_inside_address><ip_address>{cgw_inside}</ip_address><network_mask>255.255.255.252</network_mask>
        <network_cidr>30</network_cidr></tunnel_inside_address>{cgw_bgp}
    </customer_gateway>
    <vpn_gateway>
      <tunnel_outside_address><ip_address>{aws_ip}</ip_address></tunnel_outside_address>
      <tunnel_inside_address><ip_address>{aws_inside}</ip_address><network_mask>255.255.255.252</network_mask>
        <network_cidr>30</network_cidr></tunnel_inside_address>{aws_bgp}
    </vpn_gateway>
    <ike>
      <authentication_protocol>sha1</authentication_protocol><encryption_protocol>aes-128-cbc</encryption_protocol>
      <lifetime>28800</lifetime><perfect_forward_secrecy>group2</perfect_forward_secrecy><mode>main</mode>
      <pre_shared_key>{psk}</pre_shared_key>
    </ike>
    <ipsec>
      <protocol>esp</protocol><authentication_protocol>hmac-sha1-96</authentication_protocol>
      <encryption_protocol>aes-128-cbc</encryption_protocol><lifetime>3600</lifetime>
      <perfect_forward_secrecy>group2</perfect_forward_secrecy><mode>tunnel</mode>
      <clear_df_bit>true</clear_df_bit><fragmentation_before_encryption>true</fragmentation_before_encryption>
      <tcp_mss_adjustment>1379</tcp_mss_adjustment>
      <dead_peer_detection><interval>10</interval><retries>3</retries></dead_peer_detection>
    </ipsec>
  </ipsec_tunnel>
"""
_RESPONSE_NAMES = {
    "IKEVersions": "IkeVersions",
    "DPDTimeoutSeconds": "DpdTimeoutSeconds",
    "DPDTimeoutAction": "DpdTimeoutAction",
}
_BGP = "\n      <bgp><asn>{asn}</asn><hold_time>30</hold_time></bgp>"


def _hosts(cidr: str) -> tuple[str, str]:
    import ipaddress

    net = ipaddress.ip_network(cidr)
    return str(net[2]), str(net[1])  # customer, AWS


def _aws_like_document(conn: Any) -> str:
    vx = conn.vx
    static = vx["static"]
    tunnels = []
    for t in vx["tunnels"]:
        cgw_inside, aws_inside = _hosts(t["TunnelInsideCidr"])
        tunnels.append(
            _TUNNEL.format(
                cgw_ip=vx["cgw_ip"],
                aws_ip=t["OutsideIpAddress"],
                cgw_inside=cgw_inside,
                aws_inside=aws_inside,
                psk=t["PreSharedKey"],
                cgw_bgp="" if static else _BGP.format(asn=vx["cgw_asn"]),
                aws_bgp="" if static else _BGP.format(asn=vx["aws_asn"]),
            )
        )
    gw = (
        f"<vpn_gateway_id>{conn.vpn_gateway_id}</vpn_gateway_id>"
        if conn.vpn_gateway_id
        else f"<transit_gateway_id>{conn.transit_gateway_id}</transit_gateway_id>"
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<vpn_connection id="{conn.id}">\n'
        f"  <customer_gateway_id>{conn.customer_gateway_id}</customer_gateway_id>\n  {gw}\n"
        f"  <vpn_connection_type>ipsec.1</vpn_connection_type>\n{''.join(tunnels)}</vpn_connection>\n"
    )


@pytest.fixture
def aws_like(ec2: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The ``ec2`` client, with the server writing AWS-like per-connection documents and Options."""
    from moto.ec2.models.vpn_connections import VPNConnection
    from moto.ec2.responses.vpn_connections import VPNConnections

    original = VPNConnections.create_vpn_connection
    counter = {"n": 0}

    def create(self: Any) -> Any:
        result = original(self)
        conn = result._result["VpnConnection"]
        n = counter["n"]
        counter["n"] += 1
        options = self._get_param("Options") or {}
        given = [*(options.get("TunnelOptions") or []), {}, {}]
        cgw = self.ec2_backend.get_customer_gateway(conn.customer_gateway_id)
        if conn.vpn_gateway_id:
            aws_asn = self.ec2_backend.get_vpn_gateway(conn.vpn_gateway_id).amazon_side_asn
        else:
            tgw = self.ec2_backend.transit_gateways[conn.transit_gateway_id]
            aws_asn = (tgw.options or {}).get("AmazonSideAsn", 64512)
        tunnels = []
        for i in range(2):
            # the request spells some keys differently from the response (IKEVersions / IkeVersions)
            t = {_RESPONSE_NAMES.get(k, k): v for k, v in given[i].items()}
            t["OutsideIpAddress"] = f"203.0.113.{10 + 2 * n + i}"
            t.setdefault("TunnelInsideCidr", f"169.254.{100 + n}.{4 * i}/30")
            t.setdefault("PreSharedKey", f"moto_generated_psk_{n}_{i}_Zq8")
            tunnels.append(t)
        static = bool(options.get("StaticRoutesOnly"))
        conn.vx = {
            "static": static,
            "tunnels": tunnels,
            "cgw_ip": cgw.ip_address,
            "cgw_asn": cgw.bgp_asn,
            "aws_asn": aws_asn,
        }
        conn.options = {"StaticRoutesOnly": static, "TunnelOptions": tunnels}
        return result

    monkeypatch.setattr(VPNConnections, "create_vpn_connection", create)
    plain = VPNConnection.customer_gateway_configuration.fget
    monkeypatch.setattr(
        VPNConnection,
        "customer_gateway_configuration",
        property(lambda self: _aws_like_document(self) if hasattr(self, "vx") else plain(self)),
    )
    return ec2


def backend_connection(vpn_id: str) -> Any:
    """The server-side object of a connection (to put it in a state moto never produces, e.g. pending)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ec2.models import ec2_backends

    return ec2_backends[DEFAULT_ACCOUNT_ID][REGION].vpn_connections[vpn_id]


# ------------------------------------------------------------------ building blocks


def make_vgw(ec2: Any, asn: int = 64512) -> str:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    vgw = ec2.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=asn)["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
    return str(vgw)


def make_tgw(ec2: Any, asn: int = 64600) -> str:
    return str(ec2.create_transit_gateway(Options={"AmazonSideAsn": asn})["TransitGateway"]["TransitGatewayId"])


def make_cgw(ec2: Any, ip: str = "198.51.100.7", asn: int = 65010, name: str = "hub") -> str:
    tags = [{"ResourceType": "customer-gateway", "Tags": [{"Key": "Name", "Value": name}]}]
    return str(
        ec2.create_customer_gateway(Type="ipsec.1", PublicIp=ip, BgpAsn=asn, TagSpecifications=tags)["CustomerGateway"][
            "CustomerGatewayId"
        ]
    )


def make_vpn(
    ec2: Any,
    cgw: str,
    *,
    vgw: str | None = None,
    tgw: str | None = None,
    static: bool = False,
    tunnel_options: list[dict[str, Any]] | None = None,
    name: str | None = None,
) -> str:
    kw: dict[str, Any] = {"Type": "ipsec.1", "CustomerGatewayId": cgw, "Options": {"StaticRoutesOnly": static}}
    if vgw:
        kw["VpnGatewayId"] = vgw
    if tgw:
        kw["TransitGatewayId"] = tgw
    if tunnel_options:
        kw["Options"]["TunnelOptions"] = tunnel_options
    if name:
        kw["TagSpecifications"] = [{"ResourceType": "vpn-connection", "Tags": [{"Key": "Name", "Value": name}]}]
    return str(ec2.create_vpn_connection(**kw)["VpnConnection"]["VpnConnectionId"])


@contextlib.contextmanager
def closed_port() -> Iterator[str]:
    """A loopback URL nothing listens on."""
    yield f"http://127.0.0.1:{free_port()}"
