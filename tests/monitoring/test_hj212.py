"""HJ 212—2017 packets: framing, CRC, syntax, and the round trip."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from monitoring import hj212
from monitoring.hj212 import PacketError

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The standard's own example (its prose says 1C08; the computed CRC is 1C80).
STANDARD_EXAMPLE = (
    "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;"
    "MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n"
)
# A site-dust monitor's real-time packet as sent in the field (no Flag field).
FIELD_EXAMPLE = (
    "##0249QN=20180507000558;ST=39;CN=2011;PW=123456;MN=010000A00000000000A00654;"
    "CP=&&DataTime=20180507000558;a01001-Rtd=26.0,a01001-Flag=N;"
    "a01002-Rtd=30.4,a01002-Flag=N;a34001-Rtd=0.0,a34001-Flag=N;"
    "a34002-Rtd=24.0,a34002-Flag=N;a34004-Rtd=23.0,a34004-Flag=N&&D801\r\n"
)


def test_crc_of_the_standards_example_is_1c80():
    segment = STANDARD_EXAMPLE[6:-6].encode()
    assert hj212.crc16(segment) == 0x1C80


def test_standard_example_parses():
    packet = hj212.parse(STANDARD_EXAMPLE)
    assert packet.qn == "20160801085857223"
    assert packet.st == "32"
    assert packet.cn == "1062"
    assert packet.pw == "100000"
    assert packet.mn == "010000A8900016F000169DC0"
    assert packet.flag == 5
    assert packet.wants_response is True
    assert packet.version == 1
    assert packet.extras == {"RtdInterval": "30"}
    assert packet.values == {}


def test_field_example_parses_with_values_and_data_time():
    packet = hj212.parse(FIELD_EXAMPLE.encode())
    assert packet.cn == "2011"
    assert packet.flag is None
    assert packet.wants_response is False
    assert packet.data_time == datetime(2018, 5, 7, 0, 5, 58, tzinfo=SHANGHAI)
    assert packet.values["a34004"] == {"Rtd": 23.0, "Flag": "N"}
    assert packet.values["a01002"] == {"Rtd": 30.4, "Flag": "N"}
    assert len(packet.values) == 5


@pytest.mark.parametrize("sample", [STANDARD_EXAMPLE, FIELD_EXAMPLE])
def test_a_flipped_byte_fails_the_crc(sample):
    position = sample.index("MN=") + 5
    flipped = (
        sample[:position] + chr(ord(sample[position]) ^ 0x01) + sample[position + 1 :]
    )
    with pytest.raises(PacketError, match="CRC"):
        hj212.parse(flipped)


def test_the_prose_typo_crc_1c08_is_rejected():
    with pytest.raises(PacketError, match="CRC"):
        hj212.parse(STANDARD_EXAMPLE.replace("&&1C80", "&&1C08"))


def test_wrong_declared_length_is_rejected():
    with pytest.raises(PacketError, match="length"):
        hj212.parse("##0102" + STANDARD_EXAMPLE[6:])
    with pytest.raises(PacketError, match="length"):
        hj212.parse("##01x1" + STANDARD_EXAMPLE[6:])


def test_oversized_segment_is_rejected():
    with pytest.raises(PacketError, match="length"):
        hj212.parse("##2000" + "A" * 2000 + "0000")


@pytest.mark.parametrize(
    ("segment", "reason"),
    [
        ("QN=1;ST=22;CN=2011;MN=X;Flag=4", "CP"),
        ("QN=1;ST=22;CN=2011;Flag=4;CP=&&&&", "MN"),
        ("QN=1;ST=22;CN=2011;MN=X;Bogus=1;CP=&&&&", "header"),
        ("ST=22;CN=2011;MN=X;Flag=x;CP=&&&&", "Flag"),
        ("ST=22;CN=2011;MN=X;CP=&&DataTime=2026;a34004-Rtd=1&&", "DataTime"),
        ("ST=22;CN=2011;MN=X;CP=&&a34004-Rtd=abc&&", "number"),
        ("ST=22;CN=2011;MN=X;CP=&&a34004-Rtd=nan&&", "number"),
        ("ST=22;CN=2011;MN=X;CP=&&a34004&&", "key=value"),
        ("ST=22;CN=2011;MN=X;CP=&&DataTime=20260230120000&&", "DataTime"),
    ],
)
def test_syntax_errors_are_rejected_with_a_reason(segment, reason):
    with pytest.raises(PacketError, match=reason):
        hj212.parse(hj212.frame(segment))


def test_missing_double_hash_is_a_syntax_error():
    with pytest.raises(PacketError, match="##"):
        hj212.parse(STANDARD_EXAMPLE[1:])


def test_build_reproduces_the_standards_example_exactly():
    built = hj212.build(
        qn="20160801085857223",
        st="32",
        cn="1062",
        pw="100000",
        mn="010000A8900016F000169DC0",
        flag=5,
        extras={"RtdInterval": 30},
    )
    assert built == STANDARD_EXAMPLE


def test_build_and_parse_round_trip_values_and_split_packets():
    at = datetime(2026, 11, 28, 10, 30, tzinfo=SHANGHAI)
    built = hj212.build(
        qn=hj212.qn_for(at),
        cn=hj212.CN_MINUTE,
        mn="MN-AIR-01",
        flag=7,
        pnum=2,
        pno=1,
        data_time=at,
        values={
            "a34004": {"Avg": 35.2, "Min": 30.0, "Max": 41.5, "Flag": "N"},
            "a21005": {"Avg": 0.8, "Flag": "M"},
        },
    )
    packet = hj212.parse(built)
    assert packet.data_time == at
    assert packet.qn == "20261128103000000"
    assert (packet.pnum, packet.pno) == (2, 1)
    assert packet.values == {
        "a34004": {"Avg": 35.2, "Min": 30.0, "Max": 41.5, "Flag": "N"},
        "a21005": {"Avg": 0.8, "Flag": "M"},
    }
    assert "a34004-Min=30," in built  # no float noise like 30.0 or 3e1


def test_data_response_echoes_qn_and_needs_no_answer():
    request = hj212.parse(STANDARD_EXAMPLE)
    response = hj212.parse(hj212.build_data_response(request))
    assert response.cn == "9014"
    assert response.st == "91"
    assert response.qn == request.qn
    assert response.mn == request.mn
    assert response.wants_response is False


def reference_crc(data: bytes) -> int:
    """The standard's bit-by-bit algorithm, as written in STANDARDS §7."""
    reg = 0xFFFF
    for byte in data:
        reg = (reg >> 8) ^ byte
        for _ in range(8):
            lsb = reg & 1
            reg >>= 1
            if lsb:
                reg ^= 0xA001
    return reg


@pytest.mark.parametrize(
    "data", [b"", b"A", b"QN=1;ST=22", bytes(range(256)), FIELD_EXAMPLE.encode()]
)
def test_fast_crc_equals_the_bitwise_algorithm(data):
    assert hj212.crc16(data) == reference_crc(data)
