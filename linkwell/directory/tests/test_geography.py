import pytest
from django.core.management import CommandError, call_command

from linkwell.directory.search import OfflineGeocoder
from linkwell.directory.selectors import Origin, service_search

from .factories import CITY, make_service

pytestmark = pytest.mark.django_db

ONSPD = (
    "pcd,pcd2,pcds,lat,long,osward\n"
    "LS1  1UR,LS1  1UR,LS1 1UR,53.799700,-1.549200,E05001420\n"
    "LS16 6AA,LS16 6AA,LS16 6AA,53.870000,-1.670000,E05001411\n"
    "ZZ99 9ZZ,ZZ99 9ZZ,ZZ99 9ZZ,99.999999,0.000000,\n"
)


def test_import_postcodes_loads_positions_and_skips_rows_without_one(tmp_path, capsys):
    path = tmp_path / "onspd.csv"
    path.write_text(ONSPD)
    call_command("import_postcodes", str(path))
    assert "Loaded 2 postcodes; skipped 1" in capsys.readouterr().out
    assert OfflineGeocoder().locate("ls1 1ur") == (53.7997, -1.5492)
    assert OfflineGeocoder().locate("LS99 9XX") is None
    call_command("import_postcodes", str(path))  # re-loading updates in place


def test_import_postcodes_refuses_a_file_without_the_ons_columns(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("postcode,x,y\nLS1 1UR,1,2\n")
    with pytest.raises(CommandError, match="lacks the ONS Postcode Directory columns: lat, long"):
        call_command("import_postcodes", str(path))


def test_a_geocoded_postcode_gives_distances(tmp_path):
    path = tmp_path / "onspd.csv"
    path.write_text(ONSPD)
    call_command("import_postcodes", str(path))
    make_service("Near", at=CITY)
    origin = Origin(*OfflineGeocoder().locate("LS16 6AA"))
    [hit] = service_search(origin=origin).hits
    assert 9 < hit.distance_km < 12
