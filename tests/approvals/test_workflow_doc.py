"""docs/workflow.md's transitions table is generated from the one table (approvals.workflow)."""

from approvals.management.commands.workflow_doc import DOC, END, START, with_table


def test_the_documented_transitions_are_exactly_the_workflow_table():
    text = DOC.read_text(encoding="utf-8")
    assert START in text and END in text
    assert text == with_table(text), "docs/workflow.md differs from approvals.workflow: run manage.py workflow_doc"
