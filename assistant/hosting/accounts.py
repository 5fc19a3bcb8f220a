"""Accounts of a district's server: who may log in, as a cluster or as its district, and where its data is.

The accounts live in `<data folder>/accounts/accounts.json` (readable by this user only); each account's
reports in `<data folder>/accounts/<id>/` (its own FILING_HOME: sessions/, browser/, its review states). The
id is made by the program, never from the name, so no name reaches a path. Passwords are argon2id hashes;
a new or reset password is shown once and must be changed at the first login.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from assistant.errors import EXIT_REFUSED, UserError
from assistant.files.atomic import atomic_write
from assistant.paths import home

CLUSTER, DISTRICT = "cluster", "district"
ROLES = {CLUSTER: "集群", DISTRICT: "区"}
MIN_PASSWORD = 10
MAX_PASSWORD = 200
_ID = re.compile(r"a[0-9a-f]{12}")
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff/\\<>]")
# One-time passwords: no look-alikes (0/O, 1/l/I), read aloud or copied from a printout.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class AccountError(UserError):
    """An account command refused, said in Chinese (exit code 1)."""

    def __init__(self, message: str):
        super().__init__(message, EXIT_REFUSED)


@dataclass(frozen=True)
class Account:
    name: str
    id: str
    role: str
    district: str  # a cluster's district; a district account's own district (its name unless given)
    hash: str
    must_change: bool = True
    disabled: bool = False
    created: str = ""

    @property
    def role_text(self) -> str:
        return ROLES.get(self.role, self.role)


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, the library's current recommended parameters


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


def password_matches(hashed: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(hashed, password))
    except (VerificationError, InvalidHashError):
        return False


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """Verified against for an unknown name: as slow as a real one, so timing does not tell names apart."""
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def one_time_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(14))


def clean_name(raw: str, what: str = "账号名称") -> str:
    name = unicodedata.normalize("NFC", raw).strip()
    if not name:
        raise AccountError(f"{what}不能为空。")
    if len(name) > 40:
        raise AccountError(f"{what}最多 40 个字，“{name[:40]}…”太长。")
    if _BAD_NAME.search(name):
        raise AccountError(f"{what}中不能有控制字符、斜杠或尖括号。")
    return name


def password_problem(password: str, name: str = "") -> str | None:
    """Why a new password is not accepted (Chinese), or None."""
    if len(password) < MIN_PASSWORD:
        return f"新密码至少 {MIN_PASSWORD} 个字符。"
    if len(password) > MAX_PASSWORD:
        return f"新密码最多 {MAX_PASSWORD} 个字符。"
    if len(set(password)) < 5:
        return "新密码太简单（重复的字符太多），请换一个。"
    if name and name in password:
        return "新密码不能包含账号名称。"
    return None


class AccountStore:
    """accounts.json under `<root>/accounts/`, changed under a file lock (the CLI and the server both write)."""

    def __init__(self, root: Path | None = None):
        self.root = (root if root is not None else home()) / "accounts"
        self.file = self.root / "accounts.json"

    def exists(self) -> bool:
        return self.file.is_file()

    def all(self) -> list[Account]:
        try:
            raw = self.file.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise AccountError(f"无法读取账号文件 {self.file}（{exc.strerror or exc}）。") from None
        try:
            data = json.loads(raw.decode("utf-8"))
            return [Account(**item) for item in data["accounts"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise AccountError(f"账号文件 {self.file} 已损坏（{type(exc).__name__}），未做任何改动。"
                               "请从备份恢复该文件。") from None

    def get(self, name: str) -> Account | None:
        name = unicodedata.normalize("NFC", name).strip()
        return next((a for a in self.all() if a.name == name), None)

    def by_id(self, aid: str) -> Account | None:
        return next((a for a in self.all() if a.id == aid), None)

    def folder(self, account: Account) -> Path:
        """The account's own data folder (its FILING_HOME); the id is ours, checked again here."""
        if not _ID.fullmatch(account.id):
            raise AccountError("账号编号无效。")
        return self.root / account.id

    def clusters_of(self, district: Account) -> list[Account]:
        return [a for a in self.all() if a.role == CLUSTER and a.district == district.district]

    @contextlib.contextmanager
    def _changing(self) -> Iterator[list[Account]]:
        """The accounts, locked for a change; written back atomically when the block ends without error."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.root / "accounts.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if sys.platform != "win32":
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX)
            accounts = self.all()
            yield accounts
            body = json.dumps({"accounts": [asdict(a) for a in accounts]}, ensure_ascii=False, indent=1)
            atomic_write(self.file, body.encode("utf-8"))
            with contextlib.suppress(OSError):
                os.chmod(self.file, 0o600)
        finally:
            os.close(fd)

    def add(self, name: str, role: str, district: str | None = None) -> tuple[Account, str]:
        """A new account and its one-time password (shown once, changed at the first login)."""
        from datetime import datetime

        name = clean_name(name)
        if role not in ROLES:
            raise AccountError("--role 只能是 cluster（集群）或 district（区）。")
        if role == CLUSTER and not district:
            raise AccountError("集群账号需要用 --district 写明所属的区（与区账号的名称或 --district 一致）。")
        area = clean_name(district, "区名") if district else name
        password = one_time_password()
        with self._changing() as accounts:
            if any(a.name == name for a in accounts):
                raise AccountError(f"已有名为“{name}”的账号。")
            taken = {a.id for a in accounts}
            aid = next(i for i in iter(lambda: "a" + secrets.token_hex(6), "") if i not in taken)
            account = Account(name, aid, role, area, hash_password(password), must_change=True,
                              created=datetime.now().astimezone().isoformat(timespec="seconds"))
            accounts.append(account)
        self.folder(account).mkdir(mode=0o700, parents=True, exist_ok=True)
        return account, password

    def _update(self, name: str, **changes: Any) -> Account:
        name = unicodedata.normalize("NFC", name).strip()
        with self._changing() as accounts:
            for i, a in enumerate(accounts):
                if a.name == name:
                    accounts[i] = replace(a, **changes)
                    return accounts[i]
        raise AccountError(f"没有名为“{name}”的账号。可用 `filing accounts list` 查看。")

    def reset(self, name: str) -> tuple[Account, str]:
        """A new one-time password (the account is enabled again); the old one stops working."""
        password = one_time_password()
        return self._update(name, hash=hash_password(password), must_change=True, disabled=False), password

    def set_district(self, name: str, district: str) -> tuple[Account, str]:
        """A cluster moved to another district (a typo at `add` corrected): (the account, its old district)."""
        area = clean_name(district, "区名")
        account = self.get(name)
        if account is None:
            raise AccountError(f"没有名为“{name.strip()}”的账号。可用 `filing accounts list` 查看。")
        if account.role != CLUSTER:
            raise AccountError(f"“{account.name}”是区账号：只能修改集群账号的所属区。")
        if account.district == area:
            raise AccountError(f"“{account.name}”的所属区已经是“{area}”，没有改动。")
        return self._update(account.name, district=area), account.district

    def disable(self, name: str) -> Account:
        return self._update(name, disabled=True)

    def change_password(self, name: str, new: str) -> Account:
        problem = password_problem(new, name)
        if problem:
            raise AccountError(problem)
        account = self.get(name)
        if account is not None and password_matches(account.hash, new):
            raise AccountError("新密码不能与原密码相同。")
        return self._update(name, hash=hash_password(new), must_change=False)

    def verify(self, name: str, password: str) -> Account | None:
        """The account if the name and password match and it is enabled; as slow for an unknown name."""
        try:
            account = self.get(name)
        except AccountError:
            account = None
        if account is None:
            password_matches(_dummy_hash(), password)
            return None
        if not password_matches(account.hash, password) or account.disabled:
            return None
        return account
