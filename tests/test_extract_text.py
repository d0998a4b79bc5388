"""The pieces of extraction: text normalisation (with its map back to the source), dates,
figures, status markers, titles and names."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnr_opendata.extract.dates import find_dates, resolve_years
from cnr_opendata.extract.figures import Units, find_figures
from cnr_opendata.extract.parse import parse_structure, status_of, title_strength
from cnr_opendata.extract.reference import Reference, fold
from cnr_opendata.extract.text import flatten, is_furniture, normalise_characters, paragraphs


def paras(source: str) -> list[str]:
    return [p.value for p in paragraphs(normalise_characters(source))]


# ---- text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("une nouvelle mé-\nthode partenariale", "une nouvelle méthode partenariale"),
        ("en région Provence-\nAlpes-Côte d'Azur", "en région Provence-Alpes-Côte d'Azur"),
        (
            "mixte libéral/salarié et médecins/\ninfirmiers",
            "mixte libéral/salarié et médecins/infirmiers",
        ),
        ("Var-Est : développer une offre", "Var-Est : développer une offre"),
        ("un porte-parole ici, un porte-\nparole là", "un porte-parole ici, un porte-parole là"),
        ("les pa-\ntients de 55 à 74 ans", "les patients de 55 à 74 ans"),
        ("l'impor\u00ad\ntance", "l'importance"),
        ("la con\ufb01ance et le \ufb02ux", "la confiance et le flux"),
        ("près\u00a0de 700 et 2,9\u202fmillions", "près de 700 et 2,9 millions"),
        ("l\u2019ARS et \u201cSanté\u201d", "l'ARS et «Santé»"),
        ('dits de "support" ici', "dits de «support» ici"),
        ("ligne un\r\nligne deux", "ligne un ligne deux"),
        ("CPTS et  bé-\nnéficieront", "CPTS et bénéficieront"),
        ("Me\u0301decin", "Médecin"),
    ],
)
def test_normalisation(source: str, expected: str) -> None:
    assert paras(source) == [expected]


def test_furniture_is_dropped_but_status_markers_and_headings_stay() -> None:
    source = (
        "DOSSIER DE PRESSE\nCNR santé dans le\nVar : 1 an après.\n\nREPUBLIQUE FRANÇAISE\n"
        "MINISTÈRE DE LA SANTÉ\n\nDans le Var\n\n12\n\nPROJET RÉALISÉ\n\nPage 3 / 4\n"
    )
    found = [p.value for p in parse_structure(normalise_characters(source)).paragraphs]
    assert found == ["CNR santé dans le Var : 1 an après.", "Dans le Var", "PROJET RÉALISÉ"]
    assert (
        is_furniture("OCCITANIE")
        and is_furniture("- 4 -")
        and is_furniture("Liberté Égalité Fraternité")
    )
    assert not is_furniture("Et maintenant ?")


def test_lines_are_reflowed_into_paragraphs() -> None:
    source = (
        "Structurer un modèle d'exercice\nmixte pour proposer des soins non\n"
        "programmés en journée\nUn centre de soins non programmés reposant\n"
        "sur un mode d'exercice mixte a été\nouvert à l'hôpital de St Tropez.\n"
        "EN COURS\nDans le Var, 3 réunions :\n1. l'accès à un médecin ;\n2. l'accès aux urgences."
    )
    found = [p.value for p in parse_structure(normalise_characters(source)).paragraphs]
    assert found == [
        "Structurer un modèle d'exercice mixte pour proposer des soins non programmés en journée",
        "Un centre de soins non programmés reposant sur un mode d'exercice mixte a été ouvert à "
        "l'hôpital de St Tropez.",
        "EN COURS",
        "Dans le Var, 3 réunions :",
        "1. l'accès à un médecin ;",
        "2. l'accès aux urgences.",
    ]


def test_a_paragraph_cut_by_a_page_break_goes_on() -> None:
    source = "Ces discussions ont permis de faire émerger 7\n\f\nREPUBLIQUE FRANÇAISE\n\nprojets concrets."
    assert paras(source) == ["Ces discussions ont permis de faire émerger 7 projets concrets."]


def test_every_normalised_character_maps_back_to_its_source() -> None:
    source = "L\u2019ARS a lanc\u00e9 une m\u00e9-\r\nthode \ufb01able\u00a0:\r\n\r\nEN COURS"
    (first, marker) = paragraphs(normalise_characters(source), keep=lambda line: line == "EN COURS")
    assert first.value == "L'ARS a lancé une méthode fiable :"
    s, e = first.span(first.value.index("méthode"), first.value.index("méthode") + len("méthode"))
    assert source[s:e] == "mé-\r\nthode"
    s, e = first.span(first.value.index("fiable"), first.value.index("fiable") + 6)
    assert source[s:e] == "\ufb01able"
    assert source[slice(*marker.span())] == "EN COURS"


@given(st.text(alphabet=st.sampled_from('ab é-/\n\r\u00a0\ufb01\u2019"«»\f.A1'), max_size=80))
def test_spans_stay_in_the_source_and_in_order(source: str) -> None:
    last = 0
    for p in paragraphs(normalise_characters(source)):
        for i in range(len(p.value)):
            s, e = p.span(i, i + 1)
            assert 0 <= s <= e <= len(source)
            assert s >= last or p.value[i] == " "
            last = max(last, s)
        assert flatten(source[slice(*p.span())]).replace("\n", " ")


# ---- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "kind", "start", "end", "precision"),
    [
        ("ouvert du 1er juin au 30 septembre 2023.", "range", "2023-06-01", "2023-09-30", "jour"),
        ("du 3 au 5 mars 2024", "range", "2024-03-03", "2024-03-05", "jour"),
        ("de mars à juin 2024", "range", "2024-03-01", "2024-06-30", "mois"),
        ("depuis juin 2023", "since", "2023-06-01", "", "mois"),
        ("A partir de novembre 2023, les", "since", "2023-11-01", "", "mois"),
        ("à partir du 2 janvier 2025", "since", "2025-01-02", "", "jour"),
        ("Lundi 3 octobre 2022, le Ministre", "day", "2022-10-03", "2022-10-03", "jour"),
        ("au 8 novembre 2023, le bilan", "day", "2023-11-08", "2023-11-08", "jour"),
        ("lancée en septembre 2022 par", "month", "2022-09-01", "2022-09-30", "mois"),
        ("février 2024", "month", "2024-02-01", "2024-02-29", "mois"),
        ("au cours du premier trimestre 2024", "quarter", "2024-01-01", "2024-03-31", "trimestre"),
        ("d'ici le quatrième trimestre 2025", "quarter", "2025-10-01", "2025-12-31", "trimestre"),
        ("sera lancée en 2024.", "year", "2024-01-01", "2024-12-31", "annee"),
    ],
)
def test_dates(phrase: str, kind: str, start: str, end: str, precision: str) -> None:
    (d,) = find_dates(phrase)
    assert (d.kind, d.start_date, d.end_date, d.precision) == (kind, start, end, precision)
    assert d.stated in phrase


def test_a_day_without_year_takes_the_year_of_the_closest_earlier_date() -> None:
    text = "Lundi 3 octobre 2022, puis dès le 4 novembre. Au 8 novembre 2023 ; dès le 14 novembre ; le 10 janvier."
    days = resolve_years(find_dates(text))
    assert [(d.start_date, d.year_inferred) for d in days] == [
        ("2022-10-03", False),
        ("2022-11-04", True),
        ("2023-11-08", False),
        ("2023-11-14", True),
        ("2024-01-10", True),
    ]
    assert days[2].as_of and not days[0].as_of


def test_an_impossible_day_is_not_a_day() -> None:
    assert [(d.kind, d.stated) for d in find_dates("le 31 février 2023")] == [
        ("month", "février 2023")
    ]


# ---- figures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def units() -> Units:
    reference = Reference.load()
    return Units(reference.enum("indicators", "unit"), reference.glossary)


@pytest.mark.parametrize(
    ("phrase", "value", "unit", "qualifier", "stated"),
    [
        ("25 réunions de concertation", "25", "reunions", "exact", "25 réunions"),
        ("41 projets ont émergé", "41", "projets", "exact", "41 projets"),
        (
            "ont réuni près de 700 participants",
            "700",
            "participants",
            "environ",
            "près de 700 participants",
        ),
        (
            "Plus de 2,9 millions d'euros ont été",
            "2900000",
            "euros",
            "plus-de",
            "Plus de 2,9 millions d'euros",
        ),
        ("14 projets réalisés", "14", "projets", "exact", "14 projets"),
        ("27 projets en cours", "27", "projets", "exact", "27 projets"),
        ("Dans le Var, 3 réunions", "3", "reunions", "exact", "3 réunions"),
        ("7 projets concrets", "7", "projets", "exact", "7 projets"),
        ("dans les six départements", "6", "departements", "exact", "six départements"),
        (
            "d'une cinquantaine de membres",
            "50",
            "membres",
            "environ",
            "une cinquantaine de membres",
        ),
        ("quatre grands défis identifiés", "4", "defis", "exact", "quatre grands défis"),
        ("Plus d'un an après", "1", "annees", "plus-de", "Plus d'un an"),
        ("dans les 15 dernières années", "15", "annees", "exact", "15 dernières années"),
        ("disponible dans les 48 h.", "48", "heures", "exact", "48 h"),
        (
            "les 2 communautés professionnelles territoriales de santé du secteur",
            "2",
            "cpts",
            "exact",
            "2 communautés professionnelles territoriales de santé",
        ),
        (
            "au moins 1 200 participants",
            "1200",
            "participants",
            "au-moins",
            "au moins 1 200 participants",
        ),
        ("environ 3 000 000 €", "3000000", "euros", "environ", "environ 3 000 000 €"),
    ],
)
def test_figures(
    units: Units, phrase: str, value: str, unit: str, qualifier: str, stated: str
) -> None:
    (f,) = find_figures(phrase, units)
    assert (f.value, f.unit, f.qualifier, f.stated, f.problem) == (
        Decimal(value),
        unit,
        qualifier,
        stated,
        "",
    )
    assert phrase[f.start : f.end] == stated


def test_an_age_range_gives_two_figures(units: Units) -> None:
    found = find_figures("Les patients de 55 à 74 ans fumeurs", units)
    assert [(f.value, f.unit, f.stated) for f in found] == [
        (Decimal(55), "ans", "de 55 à 74 ans"),
        (Decimal(74), "ans", "de 55 à 74 ans"),
    ]


def test_what_is_not_a_figure(units: Units) -> None:
    assert find_figures("un centre et une équipe, les deux hôpitaux, en 2024", units) == []
    (f,) = find_figures("12 véhicules", units)
    assert f.problem == "followed by « véhicules », not a unit of indicators.unit"
    (f,) = find_figures("moins de 10 projets", units)
    assert f.qualifier == "" and "moins de" in f.problem


# ---- markers, titles, names -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("PROJET RÉALISÉ", (True, "realise")),
        ("EN COURS ", (True, "en-cours")),
        ("Projet réalisé", (True, "realise")),
        ("PROJET EN COURS DE DÉPLOIEMENT", (True, "en-cours")),
        ("PROJET SUSPENDU", (True, "")),
        ("Le projet est en cours de déploiement dans le Var.", (False, "")),
    ],
)
def test_status_markers(line: str, expected: tuple[bool, str]) -> None:
    assert status_of(line) == expected


@pytest.mark.parametrize(
    ("title", "strength"),
    [
        ("Toulon : renforcer les parcours de soins.", 2),
        ("Développer un modèle pour fluidifier l'aval des urgences.", 2),
        ("Centre de santé ouvert à Gap", 1),
        ("CNR santé dans le Var : 1 an après.", 1),
        ("Dans le Var, 3 réunions se sont tenues :", 0),
        ("Une phrase. Puis une autre.", 0),
    ],
)
def test_title_strength(title: str, strength: int) -> None:
    assert title_strength(title) == strength


def test_names_are_matched_across_plural_accents_and_line_breaks() -> None:
    gazetteer = Reference.load().gazetteer()
    text = "un médecin généraliste volontaire, l'hôpital de St\nTropez, les HÔPITAUX, la MSA, sas"
    found = {(m.text, m.ident) for m in gazetteer.find(text)}
    assert ("médecin généraliste volontaire", "medecins-generalistes-volontaires-var") in found
    assert ("hôpital de St\nTropez", "hopital-saint-tropez") in found
    assert ("MSA", "msa") in found and not any(t == "sas" for t, _ in found)
    assert fold("Hôpitaux") == "hopital" and fold("Hautes-Alpes") == "haute-alpe"
