"""Line and page breaks a subtitler would make (issue 9), over the sample script and 50+ sentences."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reelkit.captions.linebreaks import is_binding, kept_together
from reelkit.captions.paging import check_page_rules, is_sentence_end, paginate
from reelkit.plan.model import CaptionRules, Word

RULES = CaptionRules()
FPS = 30.0
SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "water-main" / "outline.yaml"

PUBLIC_SERVICE = """\
Next month, our crews replace the old water mains on Harbour Street.
The work takes 6 weeks and starts on the first of March.
Your tap water stays safe to drink the whole time.
Short interruptions are announced two days ahead.
Questions? Call the Water Board on 0800 1234.
The library on Mill Lane closes for repairs at the end of the month.
Books can be returned to the branch in the town centre.
Bins are collected a day later in the week after the bank holiday.
Please put your recycling out by 7 a.m. on the day of collection.
The swimming pool reopens on Saturday with a new changing area.
Children under 8 must be with an adult at all times.
A new cycle lane links the station with the hospital.
It runs along the river and avoids the busy ring road.
Parking charges in the council car parks rise by 10 pence an hour.
Residents with a permit are not affected by the change.
The consultation on the new park closes on 30 June.
You can give your views online or at any of our libraries.
Road works on the High Street cause delays for the next 3 weeks.
Buses on routes 12 and 14 are diverted via Station Road.
We are sorry for the disruption and thank you for your patience.
Flu vaccines are free for everyone over 65.
Book an appointment with your doctor or at a local pharmacy.
The council tax bills for next year are sent out in March.
If you pay by direct debit, you do not need to do anything.
Help is available for people on a low income.
The food bank at St Mary's Church needs tins of fruit and pasta.
Donations can be left at the reception of the town hall.
Our street lights are being replaced with energy saving lamps.
The new lamps use half the power of the old ones.
A burst pipe has left homes in the north of the town without water.
Engineers are working through the night to fix it.
Bottled water is available at the leisure centre on Park Avenue.
The market moves to the square in front of the museum in May.
Stalls open at 9 and close at 4 every Friday and Saturday.
Lost property can be collected from the police station.
Bring a form of identity with your name and address.
The recycling centre on Quarry Road is open seven days a week.
Garden waste is collected every other Monday from April.
Sign up for the service on our website before the end of the month.
A new school for 400 pupils opens in the autumn.
The building has solar panels and a green roof.
Parents can visit the school on an open evening in July.
Snow is forecast for the weekend across the whole region.
Our gritters treat the main roads and the routes to schools.
Check on elderly neighbours and keep your pets indoors.
The bridge over the canal is closed to traffic until further notice.
Pedestrians can still cross using the footpath on the east side.
A survey found that the bridge needs a new deck.
Work starts in the spring and should be finished by the end of the year.
Thank you for helping us keep the town clean and safe.
Anna de Vries leads the team of engineers at the Water Board.
"""


def timed_script(script: str, step: float = 0.36, pause: float = 0.6) -> list[Word]:
    """Words at a steady 165 words a minute, with a pause after each sentence."""
    words: list[Word] = []
    t = 0.5
    for token in script.split():
        words.append(Word(token, t, t + step * 0.85))
        t += step + (pause if is_sentence_end(token) else 0.0)
    return words


def scripts() -> list[tuple[str, str]]:
    sample = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))["script"]
    assert len(PUBLIC_SERVICE.splitlines()) >= 50
    return [("sample", sample), ("public-service", PUBLIC_SERVICE)]


@pytest.mark.parametrize("name,script", scripts())
def test_breaks_follow_the_subtitling_rules(name: str, script: str) -> None:
    words = timed_script(script)
    pages = paginate(words, RULES, FPS)
    assert check_page_rules(pages, RULES, FPS) == []
    assert [w.text for p in pages for w in p.words] == script.split()
    for page in pages:
        lines = page.lines
        for line in lines:
            # No line (of any page) ends on a word that binds to the next one.
            assert not is_binding(line[-1].text), f"{name}: line ends on {line[-1].text!r}: {page.text!r}"
        if len(lines) == 2:
            assert all(len(line) > 1 for line in lines), f"{name}: one-word line: {page.text!r}"
        if len(page.words) == 1:
            assert is_sentence_end(page.words[0].text), f"{name}: one-word page {page.text!r}"
    # Names, numbers and units stay on one line.
    flat = [(w.text, i, j) for i, p in enumerate(pages) for j, line in enumerate(p.lines) for w in line]
    for (left, pl, ll), (right, pr, lr) in zip(flat, flat[1:]):
        if (pl, ll) != (pr, lr) and kept_together(left, right, False):
            pytest.fail(f"{name}: {left!r} / {right!r} split")


def test_examples_from_the_issue() -> None:
    pages = paginate(timed_script("Next month, our crews replace the old water mains on Harbour Street."),
                     RULES, FPS)
    text = [p.text for p in pages]
    assert all(not t.split("\n")[0].endswith(("our", "the")) for t in text), text
    pages = paginate(timed_script("Short interruptions are announced two days ahead."), RULES, FPS)
    assert [p.text for p in pages] == ["Short interruptions are\nannounced two days ahead."] or \
        all(not line.endswith("Short") for p in pages for line in p.text.split("\n"))


def test_binding_words_and_units() -> None:
    assert is_binding("the") and is_binding("Our") and is_binding("council's") and not is_binding("it's")
    assert not is_binding("the,")
    assert kept_together("6", "weeks", False) and kept_together("0800", "1234.", False)
    assert kept_together("Harbour", "Street.", False) and not kept_together("Street.", "The", False)
