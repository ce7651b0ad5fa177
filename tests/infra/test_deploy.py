"""``duban serve`` as production runs it: gunicorn in a process of its own on a free port, static
files from whitenoise, the secret key refused or created, HTTPS settings, check --deploy.

The servers run on a SQLite database of their own under a temporary data directory, whichever
database the suite runs on: what is tested is the serving, not the database."""

from __future__ import annotations

import gzip
import http.client
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import make_user
from tests.infra.test_cli import duban_command

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3y-for-tests-only-" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(data_dir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUBAN_", "DATABASE_URL", "DJANGO_"))}
    env["DUBAN_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def _run(args: list[str], env: dict, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*duban_command(), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


class Server:
    """``duban serve …`` in its own process group, stopped with SIGTERM as systemd would."""

    def __init__(self, args: list[str], env: dict, cwd: Path) -> None:
        self.port = _free_port()
        self.out, self.err = cwd / f"serve-{self.port}.out", cwd / f"serve-{self.port}.err"
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(
                [*duban_command(), "serve", "--addr", f"127.0.0.1:{self.port}", *args],
                env=env,
                cwd=cwd,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_until_up(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"serve exited with {self.proc.returncode}: {self.stderr()}")
            try:
                self.request("GET", "/static/web/duban.js")
                return
            except OSError:
                time.sleep(0.3)
        pytest.fail(f"serve did not answer within {timeout}s: {self.stderr()}")

    def request(self, method: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, headers={"Host": "127.0.0.1", **(headers or {})})
            resp = conn.getresponse()
            headers_out: dict[str, str] = {}
            for name, value in resp.getheaders():
                key = name.lower()
                headers_out[key] = f"{headers_out[key]}\n{value}" if key in headers_out else value
            return resp.status, headers_out, resp.read()
        finally:
            conn.close()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Signal the whole process group (as systemd's stop, or a terminal's Ctrl-C, does);
        the exit code, or None when it had to be killed after ``timeout`` seconds."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                return None
        return self.proc.returncode

    def stdout(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A migrated SQLite data directory with one demo login still on the demo's password."""
    base = tmp_path_factory.mktemp("deploy")
    (base / "var").mkdir()
    env = _env(base / "var")
    out = _run(["migrate", "--noinput", "-v0"], env, base)
    assert out.returncode == 0, out.stderr
    script = (
        "from duban.demo.builder import DEMO_PASSWORD; from duban.orgs.models import User; "
        "User.objects.create_user('prov_sup', password=DEMO_PASSWORD)"
    )
    out = _run(["shell", "-c", script], env, base)
    assert out.returncode == 0, out.stderr
    return base


def test_serve_demo_runs_gunicorn_serving_pages_and_collected_static_files(data_dir):
    server = Server(["--demo", "--workers", "2", "--threads", "2"], _env(data_dir / "var"), data_dir)
    try:
        server.wait_until_up()
        status, headers, body = server.request("GET", "/login/")
        assert status == 200, body[:500]
        assert headers["server"].startswith("gunicorn")
        assert "script-src 'self';" in headers["content-security-policy"] + ";"
        assert "登录" in body.decode()

        # whitenoise serves the file collected into the data directory, gzipped when asked.
        status, headers, body = server.request(
            "GET", "/static/web/duban.js", headers={"Accept-Encoding": "gzip"}
        )
        assert status == 200
        assert headers["content-encoding"] == "gzip"
        assert gzip.decompress(body) == (ROOT / "duban" / "web" / "static" / "web" / "duban.js").read_bytes()
        assert (data_dir / "var" / "static" / "web" / "duban.js.gz").is_file()
        status, headers, _ = server.request("GET", "/static/vendor/echarts/echarts.min.js")
        assert status == 200 and headers["content-type"].startswith("text/javascript")
        assert server.request("GET", "/static/web/nothing-here.js")[0] == 404
    finally:
        # Ctrl-C reaches the master and every worker at once; all are gone well before
        # gunicorn's 30 s graceful timeout would have to kill a stuck one.
        started = time.monotonic()
        assert server.stop(signal.SIGINT, timeout=20) == 0, server.stderr()
        assert time.monotonic() - started < 20
    # The demo keeps the public key: nothing written, nothing to warn about.
    assert not (data_dir / "var" / "secret_key").exists()
    assert "警告" not in server.stderr()


def test_production_serve_behind_https_warns_of_demo_logins(data_dir):
    env = _env(
        data_dir / "var", DUBAN_SECRET_KEY=STRONG_KEY, DUBAN_HTTPS="1", DUBAN_ALLOWED_HOSTS="127.0.0.1"
    )
    server = Server(["--workers", "1", "--threads", "2", "--limit-request-line", "2048"], env, data_dir)
    try:
        server.wait_until_up()
        # The loud warning: a demo login still opens with the published password.
        assert "警告" in server.stderr() and "prov_sup" in server.stderr() and "演示" in server.stderr()

        https = {"X-Forwarded-Proto": "https"}  # as nginx sets it
        status, headers, body = server.request("GET", "/login/", headers=https)
        assert status == 200, body[:500]
        assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
        cookie = headers["set-cookie"]
        assert "csrftoken=" in cookie and "Secure" in cookie and "HttpOnly" in cookie

        # Plain http is sent to https.
        status, headers, _ = server.request("GET", "/login/")
        assert status == 301 and headers["location"] == "https://127.0.0.1/login/"

        # gunicorn's request-line cap (--limit-request-line) answers before Django sees it.
        assert server.request("GET", "/login/?q=" + "a" * 3000, headers=https)[0] == 414  # URI Too Long
        assert server.request("GET", "/login/?q=" + "a" * 1000, headers=https)[0] == 200
    finally:
        assert server.stop() == 0, server.stderr()
    assert "GET /login/" in server.stdout()  # the access log


def test_serve_refuses_the_public_key(tmp_path):
    out = _run(
        ["serve", "--no-migrate"], _env(tmp_path / "var", DUBAN_SECRET_KEY="dev-insecure-change-me"), tmp_path
    )
    assert out.returncode == 2
    assert "DUBAN_SECRET_KEY" in out.stderr and "不安全" in out.stderr
    out = _run(["serve", "--no-migrate"], _env(tmp_path / "var", DUBAN_SECRET_KEY="short"), tmp_path)
    assert out.returncode == 2 and "不安全" in out.stderr
    # PostgreSQL (several app hosts) and no key: refused before the database is touched.
    env = _env(tmp_path / "var", DATABASE_URL="postgres://duban@127.0.0.1:1/duban")
    out = _run(["serve"], env, tmp_path)
    assert out.returncode == 2 and "DUBAN_SECRET_KEY_FILE" in out.stderr
    env = _env(tmp_path / "var", DUBAN_SECRET_KEY_FILE=str(tmp_path / "missing"))
    out = _run(["serve", "--no-migrate"], env, tmp_path)
    assert out.returncode == 2 and "不存在" in out.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


@pytest.fixture
def key_settings(settings, monkeypatch, tmp_path):
    from duban.demo.management.commands import serve

    monkeypatch.delenv("DUBAN_SECRET_KEY", raising=False)
    monkeypatch.delenv("DUBAN_SECRET_KEY_FILE", raising=False)
    monkeypatch.setattr(serve, "is_sqlite", lambda: True)
    settings.SECRET_KEY_FILE = tmp_path / "var" / "secret_key"
    settings.SECRET_KEY = settings.INSECURE_SECRET_KEY
    return settings


def test_embedded_install_gets_a_key_of_its_own_once(key_settings):
    from duban.demo.management.commands.serve import ensure_secret_key, weak_key

    note = ensure_secret_key()
    path = key_settings.SECRET_KEY_FILE
    assert note and str(path) in note
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text().strip()
    assert key_settings.SECRET_KEY == key and not weak_key(key)
    # The next start reads it (settings do) and writes nothing.
    assert ensure_secret_key() is None
    assert path.read_text().strip() == key


def test_no_key_on_postgresql_is_refused(key_settings, monkeypatch):
    from duban.demo.management.commands import serve

    monkeypatch.setattr(serve, "is_sqlite", lambda: False)
    with pytest.raises(CommandError) as refused:
        serve.ensure_secret_key()
    assert refused.value.returncode == 2 and "同一个密钥" in str(refused.value)
    assert not key_settings.SECRET_KEY_FILE.exists()


def test_key_file_is_read_by_settings(tmp_path):
    (tmp_path / "secret_key").write_text(STRONG_KEY + "\n")
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = _env(tmp_path)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='duban.settings'; {code}",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == STRONG_KEY
    env["DUBAN_SECRET_KEY"] = "from-the-environment-" + "x" * 40
    out = subprocess.run(
        [sys.executable, "-c", f"import os; os.environ['DJANGO_SETTINGS_MODULE']='duban.settings'; {code}"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.strip() == env["DUBAN_SECRET_KEY"]  # the environment wins


@pytest.mark.django_db
def test_demo_logins_are_those_still_on_the_demo_password(shanxi):
    from duban.demo.builder import DEMO_PASSWORD
    from duban.demo.management.commands.serve import demo_logins, demo_warning

    assert demo_logins() == []
    sup = make_user("prov_sup", shanxi, "supervisor", password=DEMO_PASSWORD)
    make_user("ty_clerk", shanxi, "clerk", password=DEMO_PASSWORD)
    make_user("someone_else", shanxi, "clerk", password=DEMO_PASSWORD)  # not a demo username
    assert demo_logins() == ["prov_sup", "ty_clerk"]
    assert "2 个" in demo_warning(demo_logins())
    sup.set_password("a-real-password-now")
    sup.save()
    assert demo_logins() == ["ty_clerk"]


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    env = _env(
        tmp_path,
        DUBAN_SECRET_KEY=STRONG_KEY,
        DUBAN_HTTPS="1",
        DUBAN_ALLOWED_HOSTS="duban.example.gov.cn",
    )
    out = _run(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues" in out.stdout, out.stdout + out.stderr
    assert "WARNING" not in out.stdout + out.stderr


def test_check_deploy_names_what_is_missing_without_https(tmp_path):
    # The same check fails loudly when the production settings are not given: it is not vacuous.
    out = _run(["check", "--deploy", "--fail-level", "WARNING"], _env(tmp_path), tmp_path)
    assert out.returncode != 0
    for code in ("security.W004", "security.W008", "security.W009", "security.W012", "security.W016"):
        assert code in out.stderr + out.stdout


def test_serve_dev_keeps_the_development_server(monkeypatch, tmp_path):
    from duban.demo.management.commands import serve

    calls = []
    monkeypatch.setattr(serve, "call_command", lambda *a, **kw: calls.append((a, kw)))
    monkeypatch.setattr(serve, "demo_logins", lambda: [])
    monkeypatch.setattr(serve, "run_gunicorn", lambda options: calls.append(("gunicorn", options)))
    call_command("serve", addr="127.0.0.1:8126", dev=True, no_migrate=True)
    assert calls == [
        (
            ("runserver", "127.0.0.1:8126"),
            {"use_reloader": False, "use_threading": True, "insecure_serving": True},
        )
    ]


def test_serve_passes_its_caps_to_gunicorn(monkeypatch, settings):
    from duban.demo.management.commands import serve

    calls = []
    monkeypatch.setattr(serve, "call_command", lambda *a, **kw: calls.append(a))
    monkeypatch.setattr(serve, "demo_logins", lambda: [])
    monkeypatch.setattr(serve, "run_gunicorn", lambda options: calls.append(options))
    call_command(
        "serve",
        addr="[::]:8127",
        demo=True,
        workers=3,
        threads=5,
        limit_request_line=1000,
        limit_request_fields=20,
        no_migrate=True,
    )
    assert calls[0] == ("collectstatic",)
    assert settings.WHITENOISE_USE_FINDERS is False  # the workers serve what was collected
    options = calls[1]
    assert options["bind"] == ["[::]:8127"]
    assert (options["workers"], options["threads"]) == (3, 5)
    assert (options["limit_request_line"], options["limit_request_fields"]) == (1000, 20)
    assert options["accesslog"] == "-" and options["control_socket_disable"] is True
    assert options["post_worker_init"] is serve.leave_interrupt_to_master
