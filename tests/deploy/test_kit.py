"""The deployment kit under ``deploy/`` as the operating system's own tools read it.

- every systemd unit passes ``systemd-analyze verify`` with not a single warning (an unknown key
  is only a warning there, and would silently switch a restart policy off);
- the units run exactly the processes the fault tests supervise (``stack.servers``), with the
  restart policy those tests stand in for: restart always, at once, never giving up;
- the nginx site passes ``nginx -t`` inside Debian's own ``nginx.conf``;
- ``.env.example`` names every setting the app reads, and filling it in with its own
  "generate:" commands makes a production configuration that start-up accepts.

The installed paths (``/srv/jiuzhutong``) are replaced by this checkout, so that verify finds
the real ``gunicorn`` and ``rq`` of its virtualenv. Missing ``systemd-analyze`` or ``nginx``:
skipped on a laptop, a failure in CI (``.ci/run`` installs Debian's packages).
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core import config
from core.config import Settings
from stack.servers import QUEUES, RQWorkers
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTALLED = "/srv/jiuzhutong"
UNITS = sorted((DEPLOY / "systemd").iterdir())


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if found is None:
        if IN_CI:
            pytest.fail(f"CI needs {name} for the deployment kit's checks (.ci/run installs it)")
        pytest.skip(f"{name} is not installed")
    return found


def _rendered(tmp_path: Path, path: Path) -> Path:
    target = tmp_path / path.name
    target.write_text(path.read_text(encoding="utf-8").replace(INSTALLED, str(ROOT)), encoding="utf-8")
    return target


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DEPLOY / "systemd" / name, encoding="utf-8")
    return parser


def _exec_start(name: str) -> list[str]:
    return shlex.split(_unit(name)["Service"]["ExecStart"])


# -- systemd ---------------------------------------------------------------------------


def test_every_unit_passes_systemd_analyze_verify(tmp_path):
    analyze = _tool("systemd-analyze")
    rendered = [str(_rendered(tmp_path, path)) for path in UNITS]
    assert {Path(p).name for p in rendered} >= {"jiuzhutong-web.service", "jiuzhutong-worker@.service", "jiuzhutong-cron.service", "jiuzhutong.target"}
    result = subprocess.run([analyze, "verify", "--man=no", *rendered], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr.strip() == "" and result.stdout.strip() == "", result.stderr + result.stdout


def test_verify_catches_a_wrong_key_so_the_check_above_means_something(tmp_path):
    analyze = _tool("systemd-analyze")
    unit = _rendered(tmp_path, DEPLOY / "systemd" / "jiuzhutong-cron.service")
    unit.write_text(unit.read_text().replace("Restart=always", "Restart=alwayz"))
    result = subprocess.run([analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60)
    assert "alwayz" in result.stderr


@pytest.mark.parametrize("name", ["jiuzhutong-web.service", "jiuzhutong-worker@.service", "jiuzhutong-cron.service"])
def test_long_running_units_restart_at_once_and_never_give_up(name):
    """The fault tests' supervisor restarts a dead worker or cron process within half a second,
    as often as Redis's outage makes them exit: ``Restart=always``, a short ``RestartSec``, and
    no start limit (systemd's default gives up after 5 starts in 10 s)."""
    unit = _unit(name)
    assert unit["Service"]["Restart"] == "always"
    assert float(unit["Service"]["RestartSec"]) <= 2
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"
    assert unit["Unit"]["PartOf"] == "jiuzhutong.target"
    assert unit["Install"]["WantedBy"] == "jiuzhutong.target"
    assert unit["Service"]["EnvironmentFile"] == "/etc/jiuzhutong/jiuzhutong.env"


def _without(args: list[str], *options: str) -> list[str]:
    """``args`` minus the given options and their values (the parts a test runs differently)."""
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in options:
            skip = True
        else:
            out.append(arg)
    return out


def test_the_worker_unit_runs_the_workers_the_fault_tests_run():
    unit = _exec_start("jiuzhutong-worker@.service")
    tested = RQWorkers({}, "redis://127.0.0.1:1/0").command()
    assert Path(unit[0]).name == Path(tested[0]).name == "rq"
    assert unit[unit.index("--url") + 1] == "${REDIS_URL}"
    assert unit[unit.index("--path") + 1] == INSTALLED
    ignore = ("--url", "--path", "--logging_level", "--maintenance-interval", "--worker-ttl")
    assert _without(unit[1:], *ignore) == _without(tested[1:], *ignore)
    assert unit[-len(QUEUES):] == list(QUEUES)  # most urgent first


def test_exactly_one_cron_process_with_the_county_time_zone():
    units = [p.name for p in UNITS if "cron" in p.name]
    assert units == ["jiuzhutong-cron.service"]  # a single unit, never a template (rq cron has no lock)
    unit = _unit("jiuzhutong-cron.service")
    args = shlex.split(unit["Service"]["ExecStart"])
    assert args[1] == "cron" and args[-1] == "workers/cron.py" and (ROOT / "workers" / "cron.py").exists()
    assert unit["Service"]["Environment"] == "TZ=Asia/Shanghai"
    assert unit["Service"]["WorkingDirectory"] == INSTALLED
    assert args[args.index("--url") + 1] == "${REDIS_URL}" and args[args.index("--path") + 1] == INSTALLED


def test_the_web_listens_on_loopback_only_through_gunicorn_conf():
    args = _exec_start("jiuzhutong-web.service")
    assert Path(args[0]).name == "gunicorn"
    assert args[args.index("--bind") + 1] == "127.0.0.1:8000"
    assert args[-1] == "bot.app:create_app()"
    unit = _unit("jiuzhutong-web.service")
    assert unit["Service"]["WorkingDirectory"] == INSTALLED  # gunicorn reads ./gunicorn.conf.py
    assert (ROOT / "gunicorn.conf.py").exists()
    assert unit["Service"]["Type"] == "notify"  # gunicorn tells systemd when it is ready


def test_the_backup_timer_runs_the_backup_script():
    unit = _unit("jiuzhutong-backup.service")
    script = shlex.split(unit["Service"]["ExecStart"])[0]
    assert script == f"{INSTALLED}/deploy/backup.sh"
    assert (DEPLOY / "backup.sh").stat().st_mode & 0o111, "backup.sh must be executable"
    assert "Asia/Shanghai" in _unit("jiuzhutong-backup.timer")["Timer"]["OnCalendar"]


# -- nginx -----------------------------------------------------------------------------


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jzt.example.gov.cn")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("jzt.example.gov.cn")]), critical=False).sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path


def nginx_site(tmp_path: Path, **replace: str) -> Path:
    """The site with a throw-away certificate (nginx -t loads it), and any other text replaced."""
    cert, key = _self_signed(tmp_path)
    text = (DEPLOY / "nginx" / "jiuzhutong.conf").read_text(encoding="utf-8")
    text = text.replace("/etc/letsencrypt/live/jzt.example.gov.cn/fullchain.pem", str(cert)).replace("/etc/letsencrypt/live/jzt.example.gov.cn/privkey.pem", str(key))
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    site = tmp_path / "jiuzhutong.conf"
    site.write_text(text, encoding="utf-8")
    return site


def test_the_nginx_site_passes_nginx_t_in_debians_nginx_conf(tmp_path):
    nginx = _tool("nginx")
    debian = Path("/etc/nginx/nginx.conf")
    if not debian.exists():
        pytest.fail("nginx is installed without Debian's /etc/nginx/nginx.conf")
    main = debian.read_text()
    assert "include /etc/nginx/sites-enabled/*;" in main
    site = nginx_site(tmp_path)
    conf = tmp_path / "nginx.conf"
    conf.write_text(main.replace("include /etc/nginx/sites-enabled/*;", f"include {site};"))
    result = subprocess.run([nginx, "-t", "-c", str(conf)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    assert "[warn]" not in result.stderr, result.stderr


def test_the_site_proxies_to_the_web_units_address_and_forwards_the_client():
    site = (DEPLOY / "nginx" / "jiuzhutong.conf").read_text(encoding="utf-8")
    assert "server 127.0.0.1:8000;" in site
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert re.search(r"listen 443 ssl", site) and "return 301 https://$host$request_uri;" in site


# -- .env.example ----------------------------------------------------------------------


def _example() -> tuple[dict[str, str], dict[str, str]]:
    """(variable → value, variable → the "generate:" command written above it)."""
    values, commands, pending = {}, {}, None
    for line in (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("# generate:"):
            pending = line.removeprefix("# generate:").strip()
            pending = re.sub(r"\s+\(.*\)$", "", pending)
        elif line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
            if pending:
                commands[name] = pending
            pending = None
    return values, commands


def _settings_read_by_the_app() -> set[str]:
    source = Path(config.__file__).read_text(encoding="utf-8")
    return set(config.DEV_DEFAULTS) | set(re.findall(r'environ\.get\("([A-Z_]+)"', source))


def test_env_example_names_every_setting_the_app_reads():
    values, _ = _example()
    assert _settings_read_by_the_app() <= set(values), sorted(_settings_read_by_the_app() - set(values))
    assert values["JZT_ENV"] == "production"


def test_env_example_filled_with_its_own_commands_starts_in_production():
    values, commands = _example()
    assert set(commands) >= {"WECHAT_TOKEN", "WECHAT_ENCODING_AES_KEY", "DATA_KEY", "SECRET_KEY", "DATABASE_URL"}
    env = dict(values)
    for name, command in commands.items():
        args = shlex.split(command)
        assert args[0] == "python3"
        generated = subprocess.run([sys.executable, *args[1:]], capture_output=True, text=True, check=True, timeout=30).stdout.strip()
        assert generated
        env[name] = env[name].replace("CHANGE-ME", generated) if "CHANGE-ME" in env[name] else generated
    env.update(WECHAT_APP_ID="wx0123456789abcdef", WECHAT_APP_SECRET="0123456789abcdef0123456789abcdef")  # from the WeChat console
    settings = Settings.from_env(env)
    assert settings.env == "production" and settings.secret_key == env["SECRET_KEY"]
    assert len(settings.wechat_encoding_aes_key) == 43
