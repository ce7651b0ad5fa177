import pytest

from duban.items import selectors, services
from duban.items.models import TrackState
from duban.journal.services import verify


def test_full_lifecycle(assigned_item, prov_sup, county_clerk, clock):
    track = assigned_item.tracks.get()
    assert track.state == TrackState.ASSIGNED
    clock("2021-10-08 09:00")
    services.sign(actor=county_clerk, track_id=track.pk)
    services.file_report(actor=county_clerk, track_id=track.pk, kind="deploy", done="已召开专题会部署")
    services.file_report(actor=county_clerk, track_id=track.pk, kind="feedback", done="已制定方案")
    services.file_report(actor=county_clerk, track_id=track.pk, kind="result", done="已完成")
    services.return_track(actor=prov_sup, track_id=track.pk, reason="证明材料不足")
    services.file_report(actor=county_clerk, track_id=track.pk, kind="result", done="补充材料")
    t = services.close_track(actor=prov_sup, track_id=track.pk, rating="good")
    assert t.state == TrackState.CLOSED
    assert verify().ok
    assert selectors.queue_counts(county_clerk)["to_sign"] == 0
