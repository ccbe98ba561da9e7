"""``aws:`` inputs: VPN connections fetched straight from the EC2 API with boto3.

    aws:                 every VPN connection of the region (after --filter)
    aws:vpn-0123abcd     that connection (several may be given)

boto3 is the optional ``aws`` extra (``pip install 'vpnxlate[aws]'``) and is imported only here,
only when an ``aws:`` input is used.  Credentials, region and endpoint come from boto3's standard
chain (``AWS_PROFILE``/``--profile``, ``AWS_ACCESS_KEY_ID``..., ``~/.aws``, instance roles;
``AWS_REGION``/``--region``; ``AWS_ENDPOINT_URL``/``AWS_ENDPOINT_URL_EC2``).  No credential is ever
put in a message, a log line or a file: AWS's own error text is replaced by a message of ours
for every error we know, and scrubbed of the credential values otherwise.

The response goes through the ``ec2-json`` parser's own code path
(:func:`vpnxlate.parsers.ec2_json.parse_data`): a fetched connection and the same connection
read from a saved ``aws ec2 describe-vpn-connections`` file give equal models.

API calls: ``ec2:DescribeVpnConnections`` only (one call; the API is not paginated).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from .diagnostics import Policy, relocate
from .errors import InputError, Report, VpnxlateError
from .model import VpnConnection

PREFIX = "aws:"
INSTALL = "pip install 'vpnxlate[aws]'"
#: Set (to anything but "" / "0") to refuse every endpoint that is not a loopback address (the tests do).
LOOPBACK_ONLY_ENV = "VPNXLATE_AWS_LOOPBACK_ONLY"
TRANSLATED = ("available",)
#: States that are translated with ``include_pending``.
PENDING = "pending"
_ID = re.compile(r"^vpn-[0-9a-f]{8,17}$")
_FILTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._/+@ -]{0,127}$")
_KEY_LIKE = re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b")
_REDACTED = "***"
_PSK_ELEMENT = re.compile(r"(<pre_shared_key>)[^<]*(</pre_shared_key>)")


class AwsError(InputError):
    """The EC2 API could not be asked or refused (credentials, permissions, region, ids)."""


def is_aws_input(name: str) -> bool:
    return name.startswith(PREFIX)


def connection_ids(inputs: Iterable[str]) -> tuple[str, ...]:
    """``aws:`` -> () (all); ``aws:vpn-…`` -> the ids.  ``aws:`` and ids together are refused."""
    ids: list[str] = []
    everything = False
    for name in inputs:
        rest = name[len(PREFIX) :]
        if not rest:
            everything = True
            continue
        if not _ID.match(rest):
            raise AwsError(
                f"{name!r} is not aws: or aws:vpn-<id> (a VPN connection id is vpn- and 8 or 17 hexadecimal digits)"
            )
        if rest not in ids:
            ids.append(rest)
    if everything and ids:
        raise AwsError("aws: (every connection) and aws:vpn-… (some) given together; give one or the other")
    return tuple(ids)


def parse_filter(text: str) -> dict[str, Any]:
    """``NAME=VALUE[,VALUE…]`` (``tag:Name=hub``, ``customer-gateway-id=cgw-…``, ``state=available``)
    -> an EC2 ``Filters`` entry."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not _FILTER_NAME.match(name) or not values:
        raise AwsError(
            f"--filter {text!r}: expected NAME=VALUE[,VALUE...], e.g. tag:Name=hub or customer-gateway-id=cgw-0123abcd"
        )
    return {"Name": name, "Values": [v for v in values.split(",") if v]}


@attrs.frozen
class Fetched:
    """What one ``DescribeVpnConnections`` call gave: the raw entries to translate and those skipped."""

    region: str
    endpoint: str
    selected: tuple[dict[str, Any], ...] = attrs.field(repr=lambda v: f"<{len(v)} connections>")
    skipped: tuple[tuple[str, str], ...]  # (connection id, state)

    @property
    def source(self) -> str:
        return f"{PREFIX}{self.region}"

    def skipped_lines(self) -> list[str]:
        """One line per state of the skipped connections (for stderr)."""
        by_state: dict[str, list[str]] = {}
        for cid, state in self.skipped:
            by_state.setdefault(state, []).append(cid)
        out = []
        for state, ids in sorted(by_state.items()):
            shown = ", ".join(ids[:20]) + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")
            hint = " (--include-pending translates them)" if state == PENDING else ""
            out.append(
                f"{self.source}: skipped {len(ids)} connection{'s' if len(ids) != 1 else ''} in state "
                f"{state}{hint}: {shown}"
            )
        return out


def _boto3() -> Any:
    try:
        import boto3
    except ImportError:
        raise AwsError(f"aws: inputs need boto3, which is not installed: {INSTALL}") from None
    return boto3


def check_endpoint(url: str) -> None:
    """With ``VPNXLATE_AWS_LOOPBACK_ONLY`` set, refuse every endpoint that is not on loopback."""
    if os.environ.get(LOOPBACK_ONLY_ENV, "") in ("", "0"):
        return
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise AwsError(
            f"{LOOPBACK_ONLY_ENV} is set and the EC2 endpoint {url} is not a loopback address; "
            "refusing to call it (set AWS_ENDPOINT_URL to the local test server)"
        )


class _Scrubber:
    """Removes the session's credential values (and anything shaped like an access key) from a text."""

    def __init__(self, session: Any) -> None:
        self.secrets: list[str] = []
        try:
            creds = session.get_credentials()
            frozen = creds.get_frozen_credentials() if creds is not None else None
        except Exception:  # a broken credential source: nothing to scrub, the call will fail anyway
            frozen = None
        if frozen is not None:
            self.secrets = [v for v in (frozen.access_key, frozen.secret_key, frozen.token) if v]

    def __call__(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, _REDACTED)
        text = _KEY_LIKE.sub(_REDACTED, text)
        text = " ".join(text.split())
        return text if len(text) <= 200 else text[:199] + "…"


def _missing(err: dict[str, Any], ids: Sequence[str]) -> str:
    """The id AWS says does not exist (only when it is one we asked for), else every id asked for."""
    named = [i for i in ids if i in str(err.get("Message", ""))]
    return ", ".join(named or ids) or "(none named)"


def _client_error(e: Any, region: str, ids: Sequence[str], scrub: _Scrubber) -> AwsError:
    err = e.response.get("Error", {}) if hasattr(e, "response") else {}
    code = str(err.get("Code", ""))
    where = f"{PREFIX}{region}"
    known = {
        "AuthFailure": "AWS rejected the credentials (AuthFailure): check the access key / profile "
        "(--profile, AWS_PROFILE) and the clock",
        "InvalidClientTokenId": "AWS does not know these credentials (InvalidClientTokenId): check the "
        "profile, or enable the region for the account",
        "UnrecognizedClientException": "AWS does not know these credentials: check the profile, or enable "
        "the region for the account",
        "SignatureDoesNotMatch": "AWS rejected the request signature (SignatureDoesNotMatch): the secret "
        "access key does not belong to the access key id",
        "ExpiredToken": "the session credentials have expired: renew them (aws sso login, a new AWS_SESSION_TOKEN)",
        "RequestExpired": "the request expired before AWS received it: check the system clock",
        "UnauthorizedOperation": "access denied: the credentials may not call ec2:DescribeVpnConnections "
        "(add it to the IAM policy; see docs/aws-fetch.md)",
        "AccessDenied": "access denied: the credentials may not call ec2:DescribeVpnConnections "
        "(add it to the IAM policy; see docs/aws-fetch.md)",
        "OptInRequired": f"the account is not subscribed to EC2 in {region} (opt in to the region, or use "
        "another --region)",
        "RequestLimitExceeded": "AWS throttled the requests (RequestLimitExceeded) and boto3's retries gave "
        "up: try again later, or raise AWS_MAX_ATTEMPTS",
        "Throttling": "AWS throttled the requests and boto3's retries gave up: try again later, or raise "
        "AWS_MAX_ATTEMPTS",
        "InvalidVpnConnectionID.NotFound": f"no such VPN connection in {region}: {_missing(err, ids)} "
        "(wrong id or --region?)",
        "InvalidVpnConnectionID.Malformed": f"malformed VPN connection id among {', '.join(ids)}",
    }
    if code in known:
        return AwsError(known[code], source=where)
    if code == "InvalidParameterValue" or code.startswith("InvalidFilter") or code == "InvalidParameter":
        return AwsError(
            f"AWS refused the request ({code}): {scrub(str(err.get('Message', '')))} (check --filter)", source=where
        )
    status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") if hasattr(e, "response") else None
    return AwsError(f"EC2 API error {scrub(code) or status}: {scrub(str(err.get('Message', '')))}", source=where)


def describe(
    ids: Sequence[str] = (),
    *,
    region: str | None = None,
    profile: str | None = None,
    filters: Sequence[dict[str, Any]] = (),
    include_pending: bool = False,
) -> Fetched:
    """Call ``DescribeVpnConnections``; every failure is one :class:`AwsError` naming what to fix."""
    session = _session(profile, region)
    region = session.region_name
    if not region:
        raise AwsError("no AWS region: give --region or set AWS_REGION (or a region in the profile)", source=PREFIX)
    scrub = _Scrubber(session)
    where = f"{PREFIX}{region}"
    client = _ec2_client(session, region, scrub, where)
    endpoint = client.meta.endpoint_url
    check_endpoint(endpoint)
    kwargs: dict[str, Any] = {}
    if ids:
        kwargs["VpnConnectionIds"] = list(ids)
    if filters:
        kwargs["Filters"] = list(filters)
    response = _call(client, kwargs, endpoint, region, ids, scrub, where)
    selected, skipped = _by_state(response.get("VpnConnections") or [], include_pending)
    return Fetched(region=region, endpoint=endpoint, selected=tuple(selected), skipped=tuple(skipped))


def _session(profile: str | None, region: str | None) -> Any:
    """The boto3 session for ``profile`` and ``region``."""
    boto3 = _boto3()
    import botocore.exceptions as bx

    try:
        return boto3.session.Session(profile_name=profile, region_name=region)
    except bx.ProfileNotFound:
        raise AwsError(
            f"AWS profile {profile!r} not found (check --profile / AWS_PROFILE and ~/.aws/config)", source=PREFIX
        ) from None
    except bx.BotoCoreError as e:
        raise AwsError(f"cannot set up the AWS session: {type(e).__name__}", source=PREFIX) from None


def _ec2_client(session: Any, region: str, scrub: _Scrubber, where: str) -> Any:
    """The EC2 client: our user agent, timeouts, and standard retries unless the environment
    configures them."""
    import botocore.config
    import botocore.exceptions as bx

    from . import __version__

    settings: dict[str, Any] = {
        "user_agent_extra": f"vpnxlate/{__version__}",
        "connect_timeout": 10,
        "read_timeout": 60,
    }
    if not os.environ.get("AWS_MAX_ATTEMPTS") and not os.environ.get("AWS_RETRY_MODE"):
        # throttling (RequestLimitExceeded) and transient errors are retried with backoff
        settings["retries"] = {"mode": "standard", "max_attempts": 5}
    try:
        return session.client("ec2", config=botocore.config.Config(**settings))
    except bx.BotoCoreError as e:
        raise AwsError(f"cannot create the EC2 client for {region}: {scrub(str(e))}", source=where) from None


def _call(
    client: Any,
    kwargs: dict[str, Any],
    endpoint: str,
    region: str,
    ids: Sequence[str],
    scrub: _Scrubber,
    where: str,
) -> Any:
    """``DescribeVpnConnections`` itself; each failure becomes one :class:`AwsError`."""
    import botocore.exceptions as bx

    try:
        return client.describe_vpn_connections(**kwargs)
    except bx.NoCredentialsError:
        raise AwsError(
            "no AWS credentials found: set AWS_PROFILE (or --profile), AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run on an instance with a role",
            source=where,
        ) from None
    except bx.PartialCredentialsError:
        raise AwsError(
            "incomplete AWS credentials (an access key without its secret, or the reverse)", source=where
        ) from None
    except (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError):
        raise AwsError(
            f"cannot reach the EC2 endpoint {endpoint} (network, proxy, --region or AWS_ENDPOINT_URL?)", source=where
        ) from None
    except bx.ClientError as e:
        raise _client_error(e, region, ids, scrub) from None
    except bx.BotoCoreError as e:
        raise AwsError(f"EC2 API call failed: {type(e).__name__}: {scrub(str(e))}", source=where) from None


def _by_state(
    raw: Iterable[dict[str, Any]], include_pending: bool
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The connections in a translated state (and pending ones if asked), and (id, state) of the rest."""
    wanted = set(TRANSLATED) | ({PENDING} if include_pending else set())
    selected, skipped = [], []
    for c in raw:
        state = str(c.get("State") or "").lower()
        if state in wanted:
            selected.append(c)
        else:
            skipped.append((str(c.get("VpnConnectionId") or "?"), state or "unknown"))
    return selected, skipped


def to_connections(
    fetched: Fetched,
    *,
    strict: bool = False,
    lint: bool = True,
    progress: Callable[[str], None] | None = None,
    policy: Policy | None = None,
) -> tuple[list[VpnConnection], Report]:
    """The connections of a fetch, read by the ``ec2-json`` parser (its exact merge of the embedded
    document and ``Options.TunnelOptions``)."""
    from .lint import lint as run_lint
    from .model import merge_connections
    from .parsers import ec2_json

    source = fetched.source
    report = Report(source, strict=strict, policy=policy)
    if not fetched.selected:
        skipped = f" ({len(fetched.skipped)} in other states skipped)" if fetched.skipped else ""
        raise AwsError(f"no available VPN connection{skipped} (wrong --region or --filter?)", source=source)
    if progress is not None:
        progress(
            f"{source}: fetched {len(fetched.selected) + len(fetched.skipped)} VPN connections; "
            f"translating {len(fetched.selected)}"
        )
    try:
        connections = ec2_json.parse_data({"VpnConnections": list(fetched.selected)}, report)
        connections = merge_connections(connections, report)
        if lint:
            run_lint(connections, report)
    except VpnxlateError as e:
        raise relocate(e, source=source) from None
    return connections, report


def fetch_report(
    ids: Sequence[str] = (),
    *,
    region: str | None = None,
    profile: str | None = None,
    filters: Sequence[str | dict[str, Any]] = (),
    include_pending: bool = False,
    strict: bool = False,
) -> tuple[list[VpnConnection], Report, Fetched]:
    """Fetch and parse; returns the connections, the warnings and the raw fetch."""
    fetched = describe(
        ids,
        region=region,
        profile=profile,
        include_pending=include_pending,
        filters=[parse_filter(f) if isinstance(f, str) else f for f in filters],
    )
    connections, report = to_connections(fetched, strict=strict)
    return connections, report, fetched


def _json_default(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _without_keys(c: dict[str, Any]) -> dict[str, Any]:
    out = dict(c)
    cgc = out.get("CustomerGatewayConfiguration")
    if isinstance(cgc, str):
        out["CustomerGatewayConfiguration"] = _PSK_ELEMENT.sub(rf"\g<1>{_REDACTED}\g<2>", cgc)
    options = out.get("Options")
    if isinstance(options, dict) and isinstance(options.get("TunnelOptions"), list):
        tunnel_options = [dict(t) if isinstance(t, dict) else t for t in options["TunnelOptions"]]
        for t in tunnel_options:
            if isinstance(t, dict) and "PreSharedKey" in t:
                t["PreSharedKey"] = _REDACTED
        out["Options"] = {**options, "TunnelOptions": tunnel_options}
    return out


def saved_json(fetched: Fetched, *, include_psk: bool = False) -> str:
    """The selected connections as ``describe-vpn-connections`` JSON (``--from ec2-json`` reads it);
    pre-shared keys replaced by ``***`` unless ``include_psk``."""
    items = [c if include_psk else _without_keys(c) for c in fetched.selected]
    return json.dumps({"VpnConnections": items}, indent=2, sort_keys=True, default=_json_default) + "\n"
