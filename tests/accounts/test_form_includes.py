"""The shared includes that render a form field and a form's errors accessibly."""

import re

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import translation


class EveryWidgetForm(forms.Form):
    name = forms.CharField(label="Name", help_text="As others see it.")
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea)
    level = forms.ChoiceField(label="Level", choices=[("state", "State"), ("federal", "Federal")])
    kind = forms.ChoiceField(
        label="Kind", choices=[("a", "Alpha"), ("b", "Beta")], widget=forms.RadioSelect,
        help_text="Pick one.",
    )
    themes = forms.MultipleChoiceField(
        label="Themes", choices=[("x", "Extortion"), ("y", "Theft")],
        widget=forms.CheckboxSelectMultiple, required=False,
    )
    agree = forms.BooleanField(label="I agree", help_text="You must agree.")
    secret = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("Something is wrong with the whole form.")


def render_field(form, name: str) -> str:
    return render_to_string("includes/form_field.html", {"field": form[name]})


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def bound():
    form = EveryWidgetForm(data={"notes": "x", "secret": "s"})
    form.is_valid()
    return form


def test_a_text_input_is_labelled_and_described_by_help_and_errors(bound):
    html = render_field(bound, "name")
    assert '<label for="id_name">Name</label>' in html
    assert '<div class="help" id="id_name_helptext">As others see it.</div>' in html
    assert 'id="id_name_error"' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'class="field field-error"' in html


def test_an_optional_field_says_so_and_a_textarea_renders(bound):
    html = render_field(bound, "notes")
    assert "(optional)" in html
    assert "<textarea" in html and 'id="id_notes"' in html
    assert "field-error" not in html


def test_a_select_renders_with_its_label(bound):
    html = render_field(bound, "level")
    assert '<label for="id_level">' in html
    assert "<select" in html and '<option value="federal">Federal</option>' in html


def test_radios_are_a_fieldset_with_a_legend_and_one_label_each(bound):
    html = render_field(bound, "kind")
    assert re.search(r'<fieldset aria-describedby="id_kind_helptext id_kind_error">', html)
    assert "<legend>Kind</legend>" in html
    assert '<label class="choice" for="id_kind_0"><input type="radio"' in html
    assert '<label class="choice" for="id_kind_1">' in html
    assert 'id="id_kind_error"' in html


def test_checkbox_lists_are_a_fieldset_too(bound):
    html = render_field(bound, "themes")
    assert "<fieldset" in html and "<legend>Themes" in html
    assert 'type="checkbox" name="themes" value="x"' in html
    assert '<label class="choice" for="id_themes_1">' in html


def test_a_single_checkbox_has_its_label_after_it(bound):
    html = render_field(bound, "agree")
    assert html.index('type="checkbox"') < html.index('<label for="id_agree">I agree</label>')
    assert 'aria-describedby="id_agree_helptext id_agree_error"' in html
    assert "(optional)" not in html


def test_a_hidden_field_renders_bare(bound):
    html = render_field(bound, "secret").strip()
    assert html.startswith('<input type="hidden"')
    assert "<label" not in html


def test_the_error_summary_lists_form_errors_and_links_to_each_field(bound):
    html = render_to_string("includes/form_errors.html", {"form": bound})
    assert 'class="form-errors" role="alert"' in html
    assert "Something is wrong with the whole form." in html
    assert '<a href="#id_name">Name: This field is required.</a>' in html
    assert '<a href="#id_kind_0">Kind: This field is required.</a>' in html


def test_the_error_summary_is_empty_for_a_valid_or_unbound_form():
    assert render_to_string("includes/form_errors.html", {"form": EveryWidgetForm()}).strip() == ""


def test_a_summary_with_only_form_errors_has_no_empty_field_list():
    class OnlyFormError(forms.Form):
        def clean(self):
            raise forms.ValidationError("Nope.")

    form = OnlyFormError(data={})
    form.is_valid()
    html = render_to_string("includes/form_errors.html", {"form": form})
    assert "Nope." in html
    assert html.count("<ul") == 1
