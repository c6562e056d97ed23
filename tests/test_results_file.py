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
