"""Glyph width of typical narration per caption language, in the shipped caption fonts.

    .venv/bin/python scripts/caption_widths.py

The figures behind the shipped characters-per-line row of each language
(``reelkit/brand/reading.py``): for each shipped preset and language, the mean advance per
character of the same public-service text in that language at the preset's caption size, the
width the caption block has on the default platforms, and how many characters of that text fit.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reelkit.brand import caption_style, load_brand  # noqa: E402
from reelkit.io.fonts import load_font  # noqa: E402
from reelkit.plan.platforms import DEFAULT_PLATFORMS, common_safe_box, load_platforms  # noqa: E402

TEXT = {
    "en": "Next month, our crews replace the old water mains on Harbour Street. The work takes six weeks "
          "and starts on the first of March. Your tap water stays safe to drink the whole time. Short "
          "interruptions are announced two days ahead. Questions? Call the Water Board.",
    "nl": "Volgende maand vervangen onze ploegen de oude waterleiding in de Havenstraat. Het werk duurt zes "
          "weken en begint op de eerste maart. Uw kraanwater blijft de hele tijd veilig om te drinken. Korte "
          "onderbrekingen worden twee dagen vooraf aangekondigd. Vragen? Bel het waterschap.",
    "de": "Nächsten Monat ersetzen unsere Teams die alten Wasserleitungen in der Hafenstraße. Die Arbeiten "
          "dauern sechs Wochen und beginnen am ersten März. Ihr Leitungswasser bleibt die ganze Zeit trinkbar. "
          "Kurze Unterbrechungen werden zwei Tage vorher angekündigt. Fragen? Rufen Sie die Stadtwerke an.",
    "fr": "Le mois prochain, nos équipes remplacent les vieilles conduites d'eau de la rue du Port. Les travaux "
          "durent six semaines et commencent le premier mars. L'eau du robinet reste potable pendant toute la "
          "durée. Les courtes coupures sont annoncées deux jours à l'avance. Des questions ? Appelez le service des eaux.",
    "es": "El mes que viene, nuestros equipos sustituyen las viejas tuberías de agua de la calle del Puerto. Las "
          "obras duran seis semanas y empiezan el primero de marzo. El agua del grifo sigue siendo potable todo "
          "el tiempo. Los cortes breves se anuncian con dos días de antelación. ¿Preguntas? Llame al servicio de aguas.",
}


def main() -> None:
    platforms = [p for p in load_platforms().values() if p.name in DEFAULT_PLATFORMS]
    box = common_safe_box(platforms, 1080, 1920)
    print("preset   lang  px/char  block px  chars that fit  mean word length")
    for name in ("default", "civic"):
        brand = load_brand(name)
        width = 1080 - 2 * caption_style(brand, box).margin_x
        font = load_font(brand.fonts.caption or "", brand.captions.size)
        for lang, text in TEXT.items():
            px = font.getlength(text) / len(text)
            words = text.split()
            print(f"{name:8} {lang:4} {px:8.1f} {width:9d} {width / px:15.1f} "
                  f"{sum(map(len, words)) / len(words):17.2f}")


if __name__ == "__main__":
    main()
