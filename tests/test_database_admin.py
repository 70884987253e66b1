"""The database's admin login (lesson 6's alternating-users rotation): it creates the second user and changes
the passwords of the users that existed when it was made, and it is no superuser."""

from __future__ import annotations

import pytest
from pg8000.exceptions import DatabaseError

import smworkbook
from smworkbook import WorkbookError


@pytest.fixture(scope="module")
def db():
    return smworkbook.start_database()


def test_the_admin_creates_a_user_and_changes_passwords(db):
    db.drop_login("lesson06_test_clone")
    app = db.create_login("lesson06_test_app")
    admin = db.create_admin_login("lesson06_test_admin")
    connection = db.connect(admin["username"], admin["password"])
    try:
        connection.run("CREATE ROLE lesson06_test_clone WITH LOGIN PASSWORD 'clone-1'")
        connection.run("ALTER ROLE lesson06_test_clone WITH PASSWORD 'clone-2'")
        connection.run("ALTER ROLE lesson06_test_app WITH PASSWORD 'app-2'")
        assert connection.run("SELECT rolsuper FROM pg_roles WHERE rolname = current_user") == [[False]]
        with pytest.raises(DatabaseError):  # the server's own admin stays out of reach
            connection.run("ALTER ROLE postgres WITH PASSWORD 'taken'")
    finally:
        connection.close()
    assert db.can_log_in("lesson06_test_clone", "clone-2")
    assert db.can_log_in("lesson06_test_app", "app-2")
    assert not db.can_log_in("lesson06_test_app", app["password"])


def test_drop_login_removes_the_user_and_can_run_twice(db):
    db.create_login("lesson06_test_gone")
    kept = db.create_login("lesson06_test_gone")
    session = db.connect("lesson06_test_gone", kept["password"])
    db.drop_login("lesson06_test_gone")  # ends the open session first
    db.drop_login("lesson06_test_gone")
    assert not db.can_log_in("lesson06_test_gone", kept["password"])
    with pytest.raises(Exception):  # noqa: B017  (the server closed the session: pg8000 raises its own kinds)
        session.run("SELECT 1")


@pytest.mark.parametrize("name", ["postgres", "bad name", "", 7])
def test_drop_login_refuses_the_server_admin_and_odd_names(db, name):
    with pytest.raises(WorkbookError, match="plain identifier"):
        db.drop_login(name)
