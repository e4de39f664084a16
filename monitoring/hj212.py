"""HJ 212—2017 online-monitoring packets: parse, build and check.

A packet is ``##`` + 4-digit decimal length of the data segment + the data segment
+ 4 hex digits of CRC + ``\\r\\n``. The data segment is
``QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;[PNUM=…;PNO=…;]CP=&&…&&``; inside CP,
``DataTime=YYYYMMDDhhmmss`` and items ``code-Suffix=value`` separated by ``,``
within one pollutant and ``;`` between pollutants.

The CRC is the standard's own 16-bit variant (not CRC-16/MODBUS): the register
is shifted right a byte before each data byte is folded in. Its 8-step inner
loop only ever sees the low byte, so a 256-entry table gives one lookup per byte
(a library for this non-standard variant does not exist; the table is the speed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MAX_SEGMENT_LENGTH = 1024  # HJ 212—2017: 0 ≤ data segment length ≤ 1024

# Command numbers (CN) the platform handles.
CN_REALTIME = "2011"
CN_MINUTE = "2051"
CN_HOURLY = "2061"
CN_DAILY = "2031"
CN_REQUEST_RESPONSE = "9011"
CN_EXECUTION_RESULT = "9012"
CN_DATA_RESPONSE = "9014"
DATA_COMMANDS = (CN_REALTIME, CN_MINUTE, CN_HOURLY, CN_DAILY)
ST_SYSTEM = "91"

# Flag bits: A (bit 0) the sender wants a response; D (bit 1) the packet is one
# part of a split message (PNUM/PNO present); V5–V0 (bits 2–7) the protocol
# version, 1 for HJ 212—2017.
FLAG_ACK = 0b01
FLAG_SPLIT = 0b10
VERSION_2017 = 1

NUMERIC_SUFFIXES = frozenset(
    {"Rtd", "Avg", "Min", "Max", "Cou", "ZsRtd", "ZsAvg", "ZsMin", "ZsMax"}
)
HEADER_KEYS = ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO")


class PacketError(ValueError):
    """A packet that is not HJ 212: bad framing, length, CRC or syntax."""


def _crc_table() -> tuple[int, ...]:
    table = []
    for index in range(256):
        register = index
        for _ in range(8):
            lsb = register & 1
            register >>= 1
            if lsb:
                register ^= 0xA001
        table.append(register)
    return tuple(table)


_CRC_TABLE = _crc_table()
# Only the high byte of the register feeds the next step, so the loop can carry
# just that byte; the last step gives the full 16 bits.
_CRC_HIGH = bytes(value >> 8 for value in _CRC_TABLE)


def crc16(segment: bytes) -> int:
    """The HJ 212—2017 CRC of a data segment.

    Equivalent to: ``reg = 0xFFFF``; per byte ``reg = (reg >> 8) ^ byte`` then 8
    times ``lsb = reg & 1; reg >>= 1; if lsb: reg ^= 0xA001``.
    """
    if not segment:
        return 0xFFFF
    high, table = 0xFF, _CRC_HIGH
    for byte in segment[:-1]:
        high = table[high ^ byte]
    return _CRC_TABLE[high ^ segment[-1]]


@dataclass
class Packet:
    """One parsed packet. ``values`` maps a pollutant code to its suffixes, e.g.
    ``{"a34004": {"Avg": 35.2, "Flag": "N"}}``; other CP entries (``RtdInterval``,
    ``QnRtn``…) are in ``extras``. ``data_time`` is aware (China standard time)."""

    qn: str | None
    st: str
    cn: str
    pw: str | None
    mn: str
    flag: int | None
    pnum: int | None = None
    pno: int | None = None
    data_time: datetime | None = None
    values: dict[str, dict[str, float | str]] = field(default_factory=dict)
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def wants_response(self) -> bool:
        return bool(self.flag is not None and self.flag & FLAG_ACK)

    @property
    def version(self) -> int | None:
        return None if self.flag is None else self.flag >> 2


def _parse_time(text: str, what: str) -> datetime:
    if len(text) != 14 or not text.isdigit():
        raise PacketError(f"{what}: expected YYYYMMDDhhmmss, got {text!r}")
    try:
        return datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[8:10]),
            int(text[10:12]),
            int(text[12:14]),
            tzinfo=LOCAL_TZ,
        )
    except ValueError as error:
        raise PacketError(f"{what}: {error}") from None


def _parse_int(text: str, what: str) -> int:
    if not text.isdigit():
        raise PacketError(f"{what}: not a number: {text!r}")
    return int(text)


def parse(packet: str | bytes) -> Packet:
    """Parse and check one packet (with or without its trailing CRLF)."""
    raw = packet.encode("utf-8") if isinstance(packet, str) else bytes(packet)
    if raw.endswith(b"\r\n"):
        raw = raw[:-2]
    if not raw.startswith(b"##"):
        raise PacketError("syntax: a packet starts with ##")
    length_text = raw[2:6]
    if len(length_text) != 4 or not length_text.isdigit():
        raise PacketError("length: 4 decimal digits expected after ##")
    length = int(length_text)
    if length > MAX_SEGMENT_LENGTH:
        raise PacketError(f"length: {length} exceeds {MAX_SEGMENT_LENGTH}")
    if len(raw) != 6 + length + 4:
        raise PacketError(
            f"length: header says {length}, data segment has {len(raw) - 10}"
        )
    segment = raw[6 : 6 + length]
    crc_text = raw[6 + length :]
    try:
        declared = int(crc_text, 16)
    except ValueError:
        raise PacketError("CRC: 4 hex digits expected") from None
    actual = crc16(segment)
    if declared != actual:
        raise PacketError(
            f"CRC: packet says {crc_text.decode()}, computed {actual:04X}"
        )
    try:
        text = segment.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = segment.decode("gbk")
        except UnicodeDecodeError:
            raise PacketError("syntax: data segment is not text") from None
    return parse_segment(text)


def parse_segment(text: str) -> Packet:
    """Parse a data segment (the part the CRC covers)."""
    marker = text.find("CP=&&")
    if marker < 0 or not text.endswith("&&") or len(text) < marker + 7:
        raise PacketError("syntax: CP=&&…&& missing")
    header: dict[str, str] = {}
    for part in text[:marker].split(";"):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or key not in HEADER_KEYS:
            raise PacketError(f"syntax: unexpected header field {part!r}")
        header[key] = value
    for required in ("ST", "CN", "MN"):
        if not header.get(required):
            raise PacketError(f"syntax: {required} missing")
    flag = _parse_int(header["Flag"], "Flag") if "Flag" in header else None
    result = Packet(
        qn=header.get("QN"),
        st=header["ST"],
        cn=header["CN"],
        pw=header.get("PW"),
        mn=header["MN"],
        flag=flag,
        pnum=_parse_int(header["PNUM"], "PNUM") if "PNUM" in header else None,
        pno=_parse_int(header["PNO"], "PNO") if "PNO" in header else None,
    )
    body = text[marker + 5 : -2]
    values = result.values
    for group in body.split(";"):
        if not group:
            continue
        for item in group.split(","):
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise PacketError(f"syntax: item {item!r} is not key=value")
            code, dash, suffix = key.partition("-")
            if not dash:
                if key == "DataTime":
                    result.data_time = _parse_time(value, "DataTime")
                else:
                    result.extras[key] = value
                continue
            if not code or not suffix:
                raise PacketError(f"syntax: item {item!r}")
            if suffix in NUMERIC_SUFFIXES:
                try:
                    number: float | str = float(value)
                except ValueError:
                    raise PacketError(f"syntax: {key} is not a number") from None
                if number != number or number in (float("inf"), float("-inf")):
                    raise PacketError(f"syntax: {key} is not a number")
            else:
                number = value
            values.setdefault(code, {})[suffix] = number
    return result


def _format(value) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def frame(segment: str) -> str:
    """Wrap a data segment into a packet: ##, length, segment, CRC, CRLF."""
    data = segment.encode("utf-8")
    if len(data) > MAX_SEGMENT_LENGTH:
        raise PacketError(f"length: {len(data)} exceeds {MAX_SEGMENT_LENGTH}")
    return f"##{len(data):04d}{segment}{crc16(data):04X}\r\n"


def build(
    *,
    cn: str,
    mn: str,
    st: str = "22",
    pw: str | None = "123456",
    qn: str | None = None,
    flag: int | None = VERSION_2017 << 2,
    pnum: int | None = None,
    pno: int | None = None,
    data_time: datetime | None = None,
    values: dict[str, dict[str, float | str]] | None = None,
    extras: dict[str, object] | None = None,
) -> str:
    """Build a packet, the reverse of :func:`parse`. ``data_time`` is written in
    China standard time; ``extras`` come first in CP (as ``RtdInterval=30``)."""
    header = []
    if qn is not None:
        header.append(f"QN={qn}")
    header += [f"ST={st}", f"CN={cn}"]
    if pw is not None:
        header.append(f"PW={pw}")
    header.append(f"MN={mn}")
    if flag is not None:
        header.append(f"Flag={flag}")
    if pnum is not None:
        header += [f"PNUM={pnum}", f"PNO={pno}"]
    groups = [f"{key}={_format(value)}" for key, value in (extras or {}).items()]
    if data_time is not None:
        local = (
            data_time.astimezone(LOCAL_TZ)
            if data_time.tzinfo is not None
            else data_time
        )
        groups.insert(0, f"DataTime={local:%Y%m%d%H%M%S}")
    for code, suffixes in (values or {}).items():
        groups.append(
            ",".join(f"{code}-{suffix}={_format(v)}" for suffix, v in suffixes.items())
        )
    segment = ";".join(header) + ";CP=&&" + ";".join(groups) + "&&"
    return frame(segment)


def qn_for(at: datetime) -> str:
    """A request number (QN): YYYYMMDDhhmmsszzz in China standard time."""
    local = at.astimezone(LOCAL_TZ) if at.tzinfo is not None else at
    return f"{local:%Y%m%d%H%M%S}{local.microsecond // 1000:03d}"


def build_data_response(request: Packet) -> str:
    """The platform's answer to a data packet whose Flag asks for one: CN 9014
    (data response) echoing the request's QN, PW and MN."""
    return build(
        qn=request.qn,
        st=ST_SYSTEM,
        cn=CN_DATA_RESPONSE,
        pw=request.pw,
        mn=request.mn,
        flag=VERSION_2017 << 2,
    )
