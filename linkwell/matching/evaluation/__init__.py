"""Measuring need suggestion against the labelled statements in needs_eval.jsonl.

Each line is ``{"text": ..., "needs": [codes]}``: everyday words, written for this set (not the
taxonomy's own words). A statement's predicted needs are the codes ``suggest_needs`` returns;
precision and recall are counted per domain and micro-averaged over every (statement, domain)
decision.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from linkwell.common.needs import NEED_DOMAINS

EVAL_FILE = Path(__file__).with_name("needs_eval.jsonl")


@dataclass
class DomainFigures:
    code: str
    support: int
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    statements: int
    domains: list[DomainFigures]
    micro: DomainFigures

    def domain(self, code: str) -> DomainFigures:
        return next(d for d in self.domains if d.code == code)

    def table(self) -> str:
        lines = [f"{'domain':<22}{'n':>4}{'precision':>11}{'recall':>8}{'F1':>7}"]
        for d in [*self.domains, self.micro]:
            lines.append(
                f"{d.code:<22}{d.support:>4}{d.precision:>11.2f}{d.recall:>8.2f}{d.f1:>7.2f}"
            )
        lines.append(f"{self.statements} statements")
        return "\n".join(lines)


def load_statements(path: Path = EVAL_FILE) -> list[tuple[str, set[str]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            rows.append((item["text"], set(item["needs"])))
    return rows


def evaluate(
    predict: Callable[[str], list[tuple[str, float]]] | None = None, path: Path = EVAL_FILE
) -> Evaluation:
    if predict is None:
        from linkwell.matching.suggest import suggest_needs

        predict = suggest_needs
    rows = load_statements(path)
    figures = {d.code: DomainFigures(d.code, 0, 0, 0, 0) for d in NEED_DOMAINS}
    for text, gold in rows:
        predicted = {code for code, _ in predict(text)}
        for code, fig in figures.items():
            fig.support += code in gold
            fig.tp += code in gold and code in predicted
            fig.fp += code not in gold and code in predicted
            fig.fn += code in gold and code not in predicted
    micro = DomainFigures(
        "micro average",
        sum(f.support for f in figures.values()),
        sum(f.tp for f in figures.values()),
        sum(f.fp for f in figures.values()),
        sum(f.fn for f in figures.values()),
    )
    return Evaluation(statements=len(rows), domains=list(figures.values()), micro=micro)
