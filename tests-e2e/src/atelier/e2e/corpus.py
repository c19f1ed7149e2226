"""Texts the widget must judge exactly as the server does (``tests/test_widget.py``): scripts,
emoji, combining marks, bidi, invisible and control characters, line breaks, block-list evasions,
long texts and tight fits, font, colour and size choices, across the demo products' zones.
Deterministic: the same designs on every run."""

import random
from collections.abc import Iterator
from typing import Any

Design = dict[str, Any]  # a design's values by zone key

# the demo brand's word rules for the corpus (set through the admin API)
WORD_LIST = {
    "blocked": ["darn", "heck*", "*crud", "*frak*", "oh my word", "smeg"],
    "review": ["*dang*"],
    "allowed": ["hecking"],
    "defaults": ["en", "fr"],
    "removed": ["damn"],
    "substitutions": ["4=a", "3=e", "0=o", "1=i", "5=s", "7=t", "!=i", "$=s", "@=a"],
    "message": "Please choose other words.",
}

TEXTS = [
    # Latin, accents precomposed and decomposed, ligatures, kerning
    "Ada Lovelace", "  Ada  ", "Zoë", "Zoe\u0308", "Ærøskøbing", "ﬁne ﬂour", "AVATAR WAVE",
    "Mañana", "Ça va", "crème brûlée", "Œuvre", "Straße", "İstanbul", "ŁÓDŹ", "Ångström",
    "e\u0301\u0301", "a\u0328\u0301", "n\u0303o", "q\u0307\u0323", "Ǆemal", "ǅ", "ﬀ",
    # Greek, Cyrillic, Armenian, Georgian
    "Αθήνα", "ΣΟΦΙΑ", "Москва", "Україна", "Ѐ ѝ", "Հայաստան", "საქართველო",
    # Arabic and Hebrew, numbers and brackets in both directions
    "مرحبا", "السلام عليكم", "شكرا 123", "עברית", "שלום abc (def)", "abc שלום 12", "(שלום)",
    "קפה 3.50 ₪", "١٢٣ عربي", "Ada (عربي) 2024", "[שלום] [abc]", "a (ב) c", "مرحبا، Ada!",
    "עם 1,000 איש", "x-ש-y", "ש\u05b8ל\u05b9ום", "لا", "بِسْمِ",
    # CJK, Thai, Devanagari, Hangul: glyphs the shipped fonts lack, or do not
    "中文", "日本語", "한국어", "豈", "𠀀", "갃", "สวัสดี", "नमस्ते", "ภาษาไทย", "Ada 中",
    # emoji, sequences, flags, skin tones, keycaps
    "I ❤ you", "I ❤️ you", "👍", "👍🏽", "👨‍👩‍👧", "🇫🇷", "1️⃣", "☺", "★ Star ★", "♥♦♣♠",
    "✈ travel", "☕", "©2024 ®", "™ Brand", "€5", "£10", "¥", "°C", "½ ¼", "№ 7",
    # invisible, format, control and bidi characters
    "Ada\u200bLovelace", "\u200bAda", "Ada\u00adLovelace", "A\u200dda", "\u200dAda",
    "Ad\u200ca", "Ada\ufeff", "Ada\u2060x", "Ada\u202eLovelace", "\u202aAda\u202c",
    "Ada\u2066x\u2069", "Ada\u200e", "\u200fAda", "Ada\x07", "Ada\tLovelace", "Ada\x00",
    "Ada\x1b[0m", "A\x7fda", "Ada\x85x", "\u061cAda", "a\u180eb",
    # white space
    "Ada\u00a0Lovelace", "\u3000Ada\u3000", "Ada\u2003Love", "\u00a0", " ", "", "\u2028",
    "Ada \u200b ", "\u200b",
    # line breaks
    "Ada\nLovelace", "Ada\r\nLovelace", "Ada\rLove", "Ada\u2028Love", "Ada\u2029Love",
    "a\nb\nc", "\nAda\n", "Ada\n\nLovelace", "one\ntwo\nthree\nfour",
    # punctuation and symbols
    "Ada, Lovelace!", "A-B", "well-known", "12.06.2024", "06/12/2024", "#1 Mum", "@ada",
    "a_b", "50%", "(Ada)", "«Ada»", "“Ada”", "Ada…", "a—b", "a–b", "-5", "x - y",
    # block-list entries and evasions
    "darn", "Darn it", "DARN", "d4rn", "d@rn", "dárn", "ｄａｒｎ", "dаrn", "d a r n", "d.a.r.n",
    "d-a-r-n", "daaarn", "darnit", "undarn", "heckfire", "heck", "hecking", "heckin",
    "scrud", "crud", "cruddy", "megafrakker", "frak", "oh my word", "oh, my   word",
    "oh my\nword", "my word", "smeg", "sm3g", "$meg", "5meg", "smeg!", "s m e g", "dang",
    "dangit", "damn", "shit", "merde", "putain", "pûtes", "fuck", "f.u.c.k", "fuuuck",
    "f u u u c k", "Fück", "ſhit", "ⓓⓐⓡⓝ", "𝐝𝐚𝐫𝐧", "dа\u200brn", "D\u0336arn",
    "Scunthorpe", "assassin", "class", "Dickens", "cocktail", "shiitake",
    # long texts and tight fits
    "A" * 19, "W" * 20, "W" * 21, "i" * 20, "M" * 14, "WWWWWWWWWWWWWWW", "Ada Lovelace Byron",
    "Supercalifragilistic", "Hubert Blaine Wolfe", "Mmmmmmmmmmmmmmmmmmm",
    "Incomprehensibilities", "x" * 60, "Ada " * 10, "a" * 501,
    "Pneumonoultramicroscopicsilicovolcanoconiosis", "The quick brown fox jumps over",
    "The quick brown fox jumps over the lazy dog, again", "WWW WWW WWW WWW WWW WWW WWW",
    "With love, from all of us, to you", "Happy 10th anniversary to the both of you",
]

LONG_DEDICATIONS = [
    "To the best parents in the world, with all our love",
    "For Grandma — who taught us to bake, laugh and forgive",
    "Pour toi, maman, avec tout notre amour et nos baisers",
    "WWWWWWWWWWWWWWWWWWWW WWWWWWWWWWWWWWWWWWWW",
    "Line one\nLine two\nLine three",
    "שלום לכולם ולכל המשפחה היקרה שלנו",
    "مع خالص الحب من جميع أفراد العائلة",
]


# what random texts are made of: letters of several scripts, digits of two kinds, marks,
# brackets, separators and terminators (bidi's weak and neutral types), spaces, joiners, emoji
POOL = ("abcxyzAWéß" "שלוםאב" "مرحباكت" "αβγЖж" "0123" "٠١٢" "\u0301\u0308\u05b8\u064e"
        "()[]{}«»" ".,:/-+%$€#" "  \u00a0\u2003" "\u200d\u200c\u200b" "\n" "❤️👍🏽中" "!?'\"")


# only what the demo zones allow and DejaVu draws: these reach bidi, breaking and the fit
DRAWN = ("abcdefghijklmnopqrstuvwxyzAWM" "שלוםאבג" "مرحباكت" "αβγЖж" "0123456789" "٠١٢"
         "\u0301\u05b8\u064e" "()[]«»" ".,:/-+%$€#&" "     \u2013")


def random_texts(count: int, seed: int = 18, pool: str = POOL) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(pool) for _ in range(rng.randint(1, 40))) for _ in range(count)]


def designs(zones_by_product: dict[str, list[dict[str, Any]]]) -> Iterator[tuple[str, Design]]:
    """(product id, values) pairs: every text in every zone, and choices and mixes on top."""
    rng = random.Random(18)
    for product_id, zones in zones_by_product.items():
        for zone in zones:
            key = zone["key"]
            for text in TEXTS:
                yield product_id, {key: text}
            for text in LONG_DEDICATIONS:
                yield product_id, {key: text}
            for text in random_texts(40, seed=len(key)):
                yield product_id, {key: text}
            for text in random_texts(80, seed=len(key), pool=DRAWN):
                yield product_id, {key: text}
            fonts = [f["font_id"] for f in zone["fonts"]]
            for text in rng.sample(TEXTS, 12):
                for font in fonts:
                    yield product_id, {key: {"text": text, "font_id": font}}
            yield product_id, {key: {"text": "Ada", "font_id": "comic-sans"}}
            yield product_id, {key: {"text": "Ada", "colour": "#ff0000"}}
            yield product_id, {key: {"text": "Ada", "colour": zone["colours"][-1].lower()}}
            low, high = zone["fonts"][0]["min_size_mm"], zone["fonts"][0]["max_size_mm"]
            for size in (low, high, (low + high) / 2, low - 0.5, high + 0.5, high + 1e-10, 7.25):
                for text in ("Ada", "Ada Lovelace Byron", "WWWWWWWWWWWWWW"):
                    yield product_id, {key: {"text": text, "size_mm": size}}
        if len(zones) > 1:
            for _ in range(15):
                yield product_id, {z["key"]: rng.choice(TEXTS) for z in zones}
        yield product_id, {}
        yield product_id, {"nope": "Ada"}
