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
    assert all(parameters[name].default == field.default for name, field in fields.items() if field.default is not None)
    schema = clean_articles.parameters.properties
    assert list(schema) == list(fields)  # the UI's Run form
    assert all(schema[name]["description"] == field.description for name, field in fields.items())
    assert schema["batch_size"]["minimum"] == 1


def test_every_field_of_the_run_form_is_one_type_with_an_empty_default():
    """The Run form renders a field of one type directly; a union (`X | None`) needs a type picked first,
    and a default of null fails the form's own check of a typed field."""
    schema = clean_articles.parameters.properties
    assert all("anyOf" not in prop and "type" in prop and prop["default"] is not None for prop in schema.values())
    assert {name: prop["type"] for name, prop in schema.items()} == {
        "inbox": "string", "store_url": "string", "source": "string", "since": "string", "until": "string",
        "article_ids": "array", "force": "boolean", "rules_dir": "string", "batch_size": "integer",
        "task_runner": "string", "export": "string"}
    assert schema["store_url"]["format"] == "password"  # shown masked, kept as a secret
    assert (schema["source"]["default"], schema["article_ids"]["default"], schema["since"]["default"]) == ("", [], "")
    assert all("Empty:" in schema[name]["description"] for name in ("store_url", "source", "since", "until",
                                                                     "article_ids", "rules_dir", "export"))


def test_a_moment_in_the_form_is_checked_before_the_run_starts():
    from prefect.utilities.schema_tools.validation import preprocess_schema, validate

    schema = preprocess_schema(clean_articles.parameters.model_dump())  # as the UI's form check does
    for good in ("", "2026-12-01", "2026-12-01T08:00", "2026-12-01 08:00:30+01:00", "2026-12-01T08:00:00.5Z"):
        assert validate({"since": good}, schema, raise_on_error=False) == [], good
        assert (RunOptions.of_parameters({"since": good}).since is None) == (good == ""), good
    assert validate({"since": "yesterday"}, schema, raise_on_error=False), "a typo is refused in the form"


def test_empty_parameters_are_options_not_set():
    from pydantic import SecretStr

    options = RunOptions.of_parameters({"store_url": SecretStr(""), "source": "", "since": None, "article_ids": [],
                                        "rules_dir": "", "export": "", "force": True})
    assert options == RunOptions(force=True) and not options.filtering
    # The command line keeps an empty value: it is an error there, said in one sentence (flows/__main__.py).
    assert RunOptions(rules_dir="").rules_dir == ""
    assert RunOptions(source="x.de", article_ids=["a", "b"]).filters_shown() == "source='x.de', article_ids: 2 id(s)"


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
                     "CLEANERS_REPORT_PORT", "CLEANERS_QUARANTINE_HELD_BACK", "CLEANERS_STALL_SECONDS"]
    assert all(description for _, _, description in env_vars())
    for name in names:
        monkeypatch.delenv(name, raising=False)
    defaults = FlowSettings.read()
    assert (defaults.store_url.get_secret_value(), defaults.template_min_articles, defaults.ui_port) == (
        "sqlite:///data/articles.db", 3, 4200)
    assert defaults.report_port_used == 4201
    monkeypatch.setenv("CLEANERS_UI_PORT", "5000")
    assert FlowSettings.read().report_port_used == 5001
    monkeypatch.setenv("CLEANERS_REPORT_PORT", "8100")
    assert FlowSettings.read().report_port_used == 8100
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
