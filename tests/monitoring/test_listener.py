"""The HJ 212 TCP listener stores packets and answers when asked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from monitoring import hj212
from monitoring.listener import Hj212Listener
from monitoring.models import IngestRejection, Reading

AT = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@pytest.fixture
def sync_db_in_loop(transactional_db):
    """The listener stores on its worker thread (its own connection), so the
    test data must be committed for it to see."""


def run(listener, conversation):
    async def main():
        server = await listener.start("127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            result = await conversation(port)
        await listener.stop()
        return result

    return asyncio.run(main())


def packet(mn, *, flag=5, pw="123456", value=35.2, at=AT):
    return hj212.build(
        qn=hj212.qn_for(at),
        st="22",
        cn=hj212.CN_REALTIME,
        pw=pw,
        mn=mn,
        flag=flag,
        data_time=at,
        values={
            "a34004": {"Rtd": value, "Flag": "N"},
            "a21004": {"Rtd": 40, "Flag": "N"},
        },
    )


def test_listener_stores_a_packet_and_answers_when_the_flag_asks(
    air_station, sync_db_in_loop
):
    listener = Hj212Listener(follow_up=None)

    async def conversation(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(packet(air_station.mn).encode())
        await writer.drain()
        answer = await asyncio.wait_for(reader.readuntil(b"\r\n"), 5)
        writer.close()
        return answer

    answer = hj212.parse(run(listener, conversation))
    assert answer.cn == "9014"
    assert answer.qn == hj212.qn_for(AT)
    assert answer.mn == air_station.mn
    assert dict(Reading.objects.values_list("sensor__parameter", "value")) == {
        "PM2_5": 35.2,
        "NO2": 40,
    }
    assert Reading.objects.first().observed_at == AT


def test_listener_does_not_answer_when_no_response_is_asked(
    air_station, sync_db_in_loop
):
    listener = Hj212Listener(follow_up=None)

    async def conversation(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(packet(air_station.mn, flag=4).encode())
        writer.write(packet(air_station.mn, flag=5, at=AT.replace(minute=1)).encode())
        await writer.drain()
        answer = await asyncio.wait_for(reader.readuntil(b"\r\n"), 5)
        writer.close()
        return answer

    answer = hj212.parse(run(listener, conversation))
    assert answer.qn == hj212.qn_for(AT.replace(minute=1))  # only the second one
    assert Reading.objects.count() == 4


def test_bad_packets_are_logged_for_their_station_and_the_rest_stored(
    air_station, sync_db_in_loop
):
    listener = Hj212Listener(follow_up=None)
    good = packet(air_station.mn)
    corrupted = good.replace("35.2", "35.3")  # CRC no longer matches

    async def conversation(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(corrupted.encode() + good.encode())
        await writer.drain()
        answer = await asyncio.wait_for(reader.readuntil(b"\r\n"), 5)
        writer.close()
        return answer

    run(listener, conversation)
    rejection = IngestRejection.objects.get()
    assert rejection.reason == "packet"
    assert rejection.station == air_station
    assert "CRC" in rejection.message
    assert Reading.objects.count() == 2


def test_wrong_password_is_refused_when_the_station_has_one(
    air_station, sync_db_in_loop
):
    air_station.hj212_password = "654321"
    air_station.save()
    listener = Hj212Listener(follow_up=None)

    async def conversation(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(packet(air_station.mn, flag=4).encode())
        await writer.drain()
        await asyncio.sleep(0.1)
        writer.close()

    run(listener, conversation)
    assert not Reading.objects.exists()
    assert IngestRejection.objects.get().reason == "password"


def test_many_monitors_at_once_are_all_stored(world, sync_db_in_loop):
    from monitoring.models import Station
    from monitoring.services import station_create

    stations = [
        station_create(
            code=f"AIR-{n}",
            name=f"站{n}",
            kind=Station.Kind.AMBIENT_AIR,
            lon=121.405,
            lat=31.205,
            district=world.district,
            mn=f"MNMANY{n:04d}",
        )
        for n in range(30)
    ]
    listener = Hj212Listener(follow_up=None)

    async def monitor(port, station):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for minute in range(3):
            writer.write(packet(station.mn, at=AT.replace(minute=minute)).encode())
            await writer.drain()
            await asyncio.wait_for(reader.readuntil(b"\r\n"), 5)
        writer.close()

    async def conversation(port):
        await asyncio.gather(*(monitor(port, s) for s in stations))

    run(listener, conversation)
    assert Reading.objects.count() == 30 * 3 * 2
    assert listener.stats.responses == 90


def test_simulator_feeds_the_listener_and_every_packet_is_answered(
    air_station, sync_db_in_loop
):
    from monitoring.management.commands.simulate_monitors import simulate

    listener = Hj212Listener(follow_up=None)

    async def conversation(port):
        return await simulate(
            [(air_station.mn, "22", {"a34004": "PM2_5", "a21004": "NO2"})],
            host="127.0.0.1",
            port=port,
            interval=0.3,
            duration=0.5,
            exceed=set(),
            seed=1,
        )

    sent, answered = run(listener, conversation)
    assert sent == answered >= 1
    assert Reading.objects.filter(sensor__parameter="PM2_5").count() >= 1


def test_hourly_packets_are_stored_for_hourly_sensors(water_station):
    from monitoring.services.ingest import packets_ingest

    built = hj212.build(
        cn=hj212.CN_HOURLY,
        st="21",
        mn=water_station.mn,
        data_time=AT,
        values={"w21003": {"Avg": 0.42, "Min": 0.4, "Max": 0.45, "Flag": "N"}},
    )
    report = packets_ingest(packets=[hj212.parse(built)], follow_up=False, now=AT)
    assert report.stored == 1
    assert Reading.objects.get().value == 0.42


def test_listener_flushes_leave_no_batch_record_unless_something_was_rejected(
    air_station,
):
    from monitoring.models import IngestBatch
    from monitoring.services.ingest import packets_ingest

    packets_ingest(
        packets=[hj212.parse(packet(air_station.mn))], follow_up=False, now=AT
    )
    assert not IngestBatch.objects.exists()
    packets_ingest(packets=[hj212.parse(packet("UNKNOWN-MN"))], follow_up=False, now=AT)
    assert IngestBatch.objects.get().rejected == 1
