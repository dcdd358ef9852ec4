"""The run's options and the flows' settings are each declared once: the flow's parameters, the CLI's
options and the environment variables all follow from them."""
import argparse
import inspect

import pytest

from flows.__main__ import add_option, flag, main
from flows.clean_articles import clean_articles
from flows.options import RunOptions
from flows.settings import FlowSettings, env_vars


def test_the_flow_takes_the_run_options_as_its_parameters():
    fields = RunOptions.model_fields
    parameters = inspect.signature(clean_articles.fn).parameters
    assert list(parameters) == list(fields)
    assert all(parameters[name].default == field.default for name, field in fields.items())
    schema = clean_articles.parameters.properties
    assert list(schema) == list(fields)  # the UI's Run form
    assert all(schema[name]["description"] == field.description for name, field in fields.items())
    assert schema["batch_size"]["minimum"] == 1


def test_the_command_line_has_one_option_per_run_option():
    parser = argparse.ArgumentParser()
    for name in RunOptions.model_fields:
        add_option(parser, name)
    assert vars(parser.parse_args([])) == {}  # an option not given leaves the field's default
    for name, field in RunOptions.model_fields.items():
        argv = [flag(name)] if field.annotation is bool else [flag(name), "a,b"]
        assert list(vars(parser.parse_args(argv))) == [name]
    assert (flag("store_url"), flag("article_ids"), flag("rules_dir")) == ("--store", "--ids", "--rules-dir")
    given = vars(parser.parse_args(["--store", "sqlite:///x.db", "--ids", "a,b", "--force", "--batch-size", "5",
                                    "--since", "2024-11-21"]))
    options = RunOptions(**given)
    assert options.store_url.get_secret_value() == "sqlite:///x.db" and options.article_ids == ["a", "b"]
    assert options.force and options.batch_size == 5 and options.since.day == 21
    assert options.inbox == RunOptions().inbox


def test_a_bad_option_value_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["run", "--batch-size", "0"])
    assert exited.value.code == 2
    assert "argument --batch-size: Input should be greater than or equal to 1" in capsys.readouterr().err


def test_ids_are_compared_in_nfc():
    assert RunOptions(article_ids=["Cafe\u0301"]).article_ids == ["Caf\u00e9"]


def test_every_setting_is_an_environment_variable(monkeypatch):
    names = [name for name, _, _ in env_vars()]
    assert names == ["CLEANERS_STORE_URL", "CLEANERS_REPORT_DIR", "CLEANERS_TEMPLATE_MIN_ARTICLES", "CLEANERS_UI_PORT",
                     "CLEANERS_QUARANTINE_HELD_BACK", "CLEANERS_STALL_SECONDS"]
    assert all(description for _, _, description in env_vars())
    for name in names:
        monkeypatch.delenv(name, raising=False)
    defaults = FlowSettings.read()
    assert (defaults.store_url.get_secret_value(), defaults.template_min_articles, defaults.ui_port) == (
        "sqlite:///data/articles.db", 3, 4200)
    monkeypatch.setenv("CLEANERS_TEMPLATE_MIN_ARTICLES", "5")
    monkeypatch.setenv("CLEANERS_STALL_SECONDS", "")  # empty: not set
    assert FlowSettings.read().template_min_articles == 5 and FlowSettings.read().stall_seconds is None


def test_a_setting_that_does_not_fit_names_its_variable(monkeypatch):
    monkeypatch.setenv("CLEANERS_UI_PORT", "eighty")
    with pytest.raises(ValueError, match="CLEANERS_UI_PORT='eighty'"):
        FlowSettings.read()


def test_the_store_url_is_a_secret(monkeypatch):
    monkeypatch.setenv("CLEANERS_STORE_URL", "postgresql://app:Hunter2@db/news")
    settings = FlowSettings.read()
    assert "Hunter2" not in repr(settings) and "Hunter2" not in settings.model_dump_json()
