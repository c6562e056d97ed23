"""Results files resume after an interrupted run: a cut-off last line is skipped and ended."""

from pydantic import BaseModel

from common.results_file import open_for_append, read_done


class Row(BaseModel):
    id: str
    value: int


def test_a_line_cut_short_is_skipped_and_the_next_record_starts_a_new_line(tmp_path):
    path = tmp_path / "sub" / "results.jsonl"
    assert read_done(path, Row) == [] and read_done(None, Row) == []
    sink = open_for_append(path)
    sink.write(Row(id="a", value=1).model_dump_json() + "\n")
    sink.write('{"id": "b", "val')  # the run was killed mid-write
    sink.close()
    assert [r.id for r in read_done(path, Row)] == ["a"]
    sink = open_for_append(path)
    sink.write(Row(id="b", value=2).model_dump_json() + "\n")
    sink.close()
    assert [(r.id, r.value) for r in read_done(path, Row)] == [("a", 1), ("b", 2)]


def test_records_appended_one_by_one_survive_a_kill_mid_line(tmp_path):
    from common.results_file import append_record, prepare, read_records

    path = tmp_path / "runs" / "prover.jsonl"
    prepare(path)
    append_record(path, Row(id="é", value=1))  # written as it is, not escaped
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "b", "va')  # killed mid-write
    prepare(path)  # the next run cuts the partial line
    assert path.read_text(encoding="utf-8") == '{"id": "é", "value": 1}\n'
    append_record(path, Row(id="b", value=2))
    assert [(r.id, r.value) for r in read_records(path, Row)] == [("é", 1), ("b", 2)]
