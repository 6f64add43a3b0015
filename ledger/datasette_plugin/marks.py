"""A document's text as the document page shows it: escaped, with the passage of every anchored
quote in a <mark id="a-SEQ"> that links to its attribution.

The HTML is built in one pass over the places where passages start and end, in text order, so
a text of megabytes with thousands of anchors costs about one escape of the text. Passages may
overlap (two attributions of one sentence, one quote inside another); the marks stay properly
nested: a mark that ends inside another is closed with those opened after it, which open again
as continuations (no id) after it. Links never nest either: only the runs of text are linked,
each to the attribution of the innermost mark holding it, and each passage ends with a link of
its own, the attribution's id, so that a passage wholly inside another still has its link.
"""

from collections import Counter
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Passage:
    attribution: int  # the attribution's id, the mark's `a-ID`
    start: int  # code points into the text, as the anchor's quote_start
    end: int  # exclusive, as its quote_end
    href: str  # where the attribution is shown
    title: str  # what the mark's tooltip says of the attribution
    current: bool  # neither retracted nor superseded


def marked_html(text: str, passages: list[Passage]) -> str:
    """`text` as HTML, escaped, with a mark around each of `passages`; a passage that does not
    lie within the text is left out."""
    ordered = sorted(
        (p for p in passages if 0 <= p.start < p.end <= len(text)),
        # Outer before inner where passages start together, so that fewer marks are split.
        key=lambda p: (p.start, -p.end, p.attribution),
    )
    places = sorted({p.start for p in ordered} | {p.end for p in ordered})
    out, stack, ending = [], [], Counter()  # the open marks, outermost first; open marks by end
    at = following = 0
    for place in places:
        if place > at:
            out.append(_run(text[at:place], stack))
            at = place
        closing, reopened = ending.pop(place, 0), []
        while closing:
            passage = stack.pop()
            if passage.end == place:
                out.append(_ref(passage) + "</mark>")
                closing -= 1
            else:
                out.append("</mark>")
                reopened.append(passage)
        for passage in reversed(reopened):
            out.append(_open(passage, first=False))
            stack.append(passage)
        while following < len(ordered) and ordered[following].start == place:
            passage = ordered[following]
            out.append(_open(passage, first=True))
            stack.append(passage)
            ending[passage.end] += 1
            following += 1
    out.append(escape(text[at:]))
    return "".join(out)


def _run(text, stack):
    if not stack:
        return escape(text)
    return f'<a href="{escape(stack[-1].href)}">{escape(text)}</a>'


def _open(passage, first):
    classes = (
        "ledger-quote" + ("" if passage.current else " ledger-not-current") + ("" if first else " ledger-continued")
    )
    id = f' id="a-{passage.attribution}"' if first else ""
    return f'<mark{id} class="{classes}" data-attribution="{passage.attribution}" title="{escape(passage.title)}">'


def _ref(passage):
    return f'<a class="ledger-ref" href="{escape(passage.href)}">{passage.attribution}</a>'
