"""Where the marks of a claim page's timeline go. The page's template draws them as SVG on the
server, so that no request leaves the machine."""

from dataclasses import dataclass
from datetime import date

from ..records import STANCES, utc_day

# Okabe-Ito colours, told apart under the common colour-vision deficiencies; the home page's
# bars draw the stances in them too.
STANCE_COLOURS = {"asserts": "#009E73", "reports": "#0072B2", "questions": "#E69F00", "disputes": "#D55E00"}

WIDTH = 760
LANE_LEFT = 100  # room for the stance labels
RIGHT = 30
TOP = 44  # room for the legend
RADIUS = 6
STEP = 2 * RADIUS + 4  # between stacked marks


@dataclass
class Mark:
    id: int
    x: float
    y: float
    colour: str
    current: bool
    label: str


def timeline(attributions):
    """Where to draw each attribution: x by date, one lane per stance, marks that would
    overlap stacked upward within their lane. Returns what the template's SVG needs."""
    days = [utc_day(a["date"]).toordinal() for a in attributions]
    first, last = min(days), max(days)
    span = last - first

    def x_of(day):
        if span == 0:
            return LANE_LEFT + (WIDTH - LANE_LEFT - RIGHT) / 2
        return LANE_LEFT + (day - first) / span * (WIDTH - LANE_LEFT - RIGHT)

    lanes, marks, top = [], [], TOP
    for stance in STANCES:
        placed = sorted(
            ((x_of(day), a) for day, a in zip(days, attributions) if a["stance"] == stance),
            key=lambda pair: (pair[0], pair[1]["id"]),
        )
        level_ends, levels = [], []  # the x of the last mark on each level; each mark's level
        for x, _ in placed:
            level = next((n for n, end in enumerate(level_ends) if x - end >= STEP), len(level_ends))
            if level == len(level_ends):
                level_ends.append(x)
            else:
                level_ends[level] = x
            levels.append(level)
        height = max(1, len(level_ends)) * STEP + 8
        lanes.append({"stance": stance, "y": top, "height": height, "colour": STANCE_COLOURS[stance]})
        for (x, a), level in zip(placed, levels):
            who = a["outlet"] if a["speaker"] is None else f"{a['speaker']} in {a['outlet']}"
            label = f"{a['date']} · {who}: {stance}"
            marks.append(
                Mark(
                    id=a["id"],
                    x=round(x, 1),
                    y=top + height - 4 - RADIUS - level * STEP,
                    colour=STANCE_COLOURS[stance],
                    current=a["status"] == "current",
                    label=label if a["status"] == "current" else f"{label}, {a['status']}",
                )
            )
        top += height
    ticks = sorted({round(first + span * n / 4) for n in range(5)}) if span else [first]
    return {
        "width": WIDTH,
        "height": top + 28,
        "axis_y": top,
        "left": LANE_LEFT,
        "right": WIDTH - RIGHT,
        "lanes": lanes,
        "marks": marks,
        "ticks": [{"x": round(x_of(day), 1), "label": date.fromordinal(day).isoformat()} for day in ticks],
        "legend": [{"stance": stance, "colour": colour} for stance, colour in STANCE_COLOURS.items()],
    }
