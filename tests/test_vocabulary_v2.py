"""Vocabulary version 2 (issue 14): identifiers added, none renamed or dropped; a numeric anti-GM1 titre
is read through the laboratory's cut-offs and assessed exactly as the category it stands for."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli, write
from mmn_ddx.assessment import to_json
from bundled import assessor, load_case_text

VERSION_1 = (
    "age_at_onset sex duration_months progression onset_site cold_paresis cramps fasciculations sensory_symptoms "
    "weight_loss cognitive_behavioural_change family_history_mnd dysarthria dysphagia dyspnoea prior_polio "
    "asymmetric_weakness nerve_territory_pattern affected_nerves split_hand upper_limb_predominant wasting "
    "weakness_exceeds_wasting reflexes_affected_limbs babinski hoffmann spasticity brisk_jaw_jerk pseudobulbar_affect "
    "umn_regions lmn_regions tongue_wasting_or_fasciculation objective_sensory_loss symmetric_proximal_weakness "
    "finger_flexor_quadriceps_weakness gynaecomastia postural_tremor neck_pain_radicular conduction_block "
    "conduction_block_nerves distal_cmap_too_low sensory_conduction demyelinating_features emg_lmn_regions "
    "emg_denervation_in_clinically_unaffected_muscles thoracic_paraspinal_denervation fasciculation_potentials "
    "anti_gm1_igm csf_protein_g_l neurofilament_light ck_u_l mri_brachial_plexus nerve_ultrasound mri_cervical_spine "
    "flexion_mri_dural_shift als_gene_variant ar_cag_expansion muscle_biopsy_rimmed_vacuoles ivig_response steroid_response"
).split()
VERSION_2 = (
    "smn1_deletion emg_chronic_denervation_only anti_gm1_igm_titre anti_gm1_igm_cutoff sural_sensory_conduction "
    "diabetic_polyneuropathy forced_vital_capacity fatigability scapular_winging calf_pseudohypertrophy "
    "minipolymyoclonus previous_normal_emg no_objective_weakness"
).split()


def test_version_2_adds_the_clinics_findings_and_keeps_every_version_1_id():
    data = json.loads(run_cli(["findings", "--json"]).stdout)
    assert data["version"] == 2
    specs = {f["id"]: f for f in data["findings"]}
    assert set(VERSION_1) <= set(specs)
    assert all(specs[f]["since"] == 1 for f in VERSION_1)
    for finding in VERSION_2:
        spec = specs[finding]
        assert spec["since"] == 2 and spec["type"] and spec["stage"] and spec["tier"] and spec["description"], finding
    assert specs["forced_vital_capacity"]["unit"] == "% predicted"
    table = run_cli(["findings"]).stdout
    assert "SMN1 deletion ★" in table and "smn1_deletion" in table


def test_the_case_schema_knows_the_new_findings():
    from bundled import vocabulary
    from mmn_ddx.schemas import case_schema

    properties = case_schema(vocabulary())["$defs"]["findings"]["properties"]
    assert properties["forced_vital_capacity"]["maximum"] == 200
    assert properties["sural_sensory_conduction"]["enum"] == ["normal", "abnormal", None]


def _case(lab: str) -> str:
    return ("id: titre\ntitle: t\nstages:\n  - name: examination\n    findings: {asymmetric_weakness: true, "
            "nerve_territory_pattern: true, umn_regions: [], conduction_block: definite}\n"
            f"  - name: laboratory\n    findings: {{{lab}}}\n")


@pytest.mark.parametrize("titre, category", [(200, "negative"), (800, "low_titre"), (3199, "low_titre"), (3200, "high_titre")])
def test_a_numeric_titre_is_assessed_as_the_category_it_maps_to(titre, category):
    numeric = load_case_text(_case(f"anti_gm1_igm_titre: {titre}, anti_gm1_igm_cutoff: 800, anti_gm1_igm_high_cutoff: 3200"), "n.yaml")
    worded = load_case_text(_case(f"anti_gm1_igm: {category}"), "w.yaml")
    a, b = to_json(assessor().assess_case(numeric)), to_json(assessor().assess_case(worded))
    for key in ("probability", "leaning", "evidence", "criteria", "consider", "next_best_findings", "headline"):
        assert a[key] == b[key], key


def test_the_titre_maps_on_the_command_line_too():
    out = json.loads(run_cli(["assess", "-f", "anti_gm1_igm_titre=6400", "-f", "anti_gm1_igm_cutoff=800",
                              "-f", "anti_gm1_igm_high_cutoff=3200", "--json"]).stdout)
    assert any(e["findings"].get("anti_gm1_igm") == "high_titre" for e in out["evidence"])


@pytest.mark.parametrize("lab, message", [
    ("anti_gm1_igm_titre: 1600", "has no cut-off to be read against"),
    ("anti_gm1_igm_titre: 1600, anti_gm1_igm_cutoff: 800", "does not say where a high titre begins"),
    ("anti_gm1_igm_titre: 1600, anti_gm1_igm_cutoff: 800, anti_gm1_igm_high_cutoff: 400", "is below the positive cut-off"),
    ("anti_gm1_igm_titre: 100, anti_gm1_igm_cutoff: 800, anti_gm1_igm: high_titre", "against the laboratory's cut-offs is negative"),
])
def test_a_titre_that_cannot_be_read_is_refused_with_a_fix(tmp_path, lab, message):
    path = write(tmp_path / "titre.yaml", _case(lab))
    err = run_cli(["validate", str(path)], exit_code=2).stderr
    assert message in err and "line 7" in err


def test_a_titre_below_the_cut_off_needs_no_high_cut_off():
    case = load_case_text(_case("anti_gm1_igm_titre: 100, anti_gm1_igm_cutoff: 800"), "n.yaml")
    assert assessor().assess_case(case).findings["anti_gm1_igm"] == "negative"
