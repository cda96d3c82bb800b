"""The README's results table is the committed results.json's, never typed by hand."""

import json

from bench import readme


def test_the_readme_table_is_the_committed_results_json():
    # GIVEN the committed bench/results.json and bench/README.md WHEN the table is generated
    # THEN it is exactly the README's block (run `python -m bench.readme` after a bench run).
    assert readme.main(["--check"]) == 0


def test_a_figure_changed_in_results_json_makes_the_check_fail(tmp_path):
    data = json.loads(readme.RESULTS_PATH.read_text(encoding="utf-8"))
    name = next(k for k, v in data.items() if isinstance(v.get("value"), (int, float)))
    data[name]["value"] = data[name]["value"] * 2 + 1000  # visibly different once rounded
    results = tmp_path / "results.json"
    results.write_text(json.dumps(data), encoding="utf-8")
    assert readme.main(["--check", "--results", str(results)]) == 1


def test_generating_replaces_the_block_and_keeps_the_rest(tmp_path):
    data = json.loads(readme.RESULTS_PATH.read_text(encoding="utf-8"))
    text = f"intro\n\n{readme.BEGIN}\nold table\n{readme.END}\n\nafter\n"
    path = tmp_path / "README.md"
    path.write_text(text, encoding="utf-8")
    assert readme.main(["--readme", str(path)]) == 0
    written = path.read_text(encoding="utf-8")
    assert written.startswith("intro\n\n") and written.endswith("\n\nafter\n")
    assert readme.current_block(written) == readme.generated_block(data)
