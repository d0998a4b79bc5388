"""Run a real udata (the software behind data.gouv.fr) on 127.0.0.1 with mongomock, for tests.

Adapted from ../shared/udata-local/run_local_udata.py. Runs with the python of the separate
virtualenv that holds udata (AGPL, never a dependency of cnr-opendata). Seeds a user with an API
key, an organization, licences and the zones fr:region:93 and fr:departement:83, writes them to
UDATA_SEED_FILE, then serves until killed.
Env: UDATA_PORT, UDATA_FS_ROOT, UDATA_SEED_FILE.
"""

import json
import os

os.environ.setdefault(
    "UDATA_SETTINGS", os.path.join(os.path.dirname(os.path.abspath(__file__)), "udata.cfg")
)
from udata.app import create_app, standalone

app = standalone(create_app())

with app.app_context():
    from datetime import UTC, datetime

    from udata.core.api_token.models import ApiToken
    from udata.core.spatial.models import GeoLevel, GeoZone
    from udata.models import License, Member, Organization, User

    user = User.objects.create(
        first_name="Local",
        last_name="Publisher",
        email="publisher@example.org",
        password="Passw0rdPassw0rd",
        active=True,
        confirmed_at=datetime.now(UTC),
    )
    org = Organization.objects.create(
        name="CNR Test Org",
        description="Local test organization",
        members=[Member(user=user, role="admin")],
    )
    for lid, title in [
        ("lov2", "Licence Ouverte / Open Licence version 2.0"),
        ("fr-lo", "Licence Ouverte / Open Licence"),
        ("odc-odbl", "Open Data Commons Open Database License (ODbL)"),
        ("notspecified", "License Not Specified"),
    ]:
        License.objects.create(id=lid, title=title, active=True)
    GeoLevel.objects.create(id="country", name="Pays", admin_level=10)
    GeoLevel.objects.create(id="fr:region", name="Région française", admin_level=40)
    GeoLevel.objects.create(id="fr:departement", name="Département français", admin_level=60)
    GeoZone.objects.create(
        id="fr:region:93",
        level="fr:region",
        code="93",
        name="Provence-Alpes-Côte d'Azur",
        slug="provence-alpes-cote-d-azur",
    )
    GeoZone.objects.create(
        id="fr:departement:83",
        level="fr:departement",
        code="83",
        name="Var",
        slug="var",
        ancestors=["fr:region:93"],
    )
    token, plaintext = ApiToken.generate(user, name="local-test")
    info = {
        "api_key": plaintext,
        "user_id": str(user.id),
        "org_id": str(org.id),
        "base_url": "http://127.0.0.1:" + os.environ.get("UDATA_PORT", "7000"),
    }
    seed = os.environ.get("UDATA_SEED_FILE", "/tmp/udata-local-seed.json")
    with open(seed + ".tmp", "w") as f:
        json.dump(info, f)
    os.replace(seed + ".tmp", seed)

from werkzeug.serving import run_simple  # noqa: E402

run_simple(
    "127.0.0.1",
    int(os.environ.get("UDATA_PORT", "7000")),
    app,
    use_reloader=False,
    use_debugger=False,
    threaded=True,
)
