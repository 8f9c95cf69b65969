#!/usr/bin/env python3
# make-fields-seeds.py: writes the seed inputs of fuzz-fields.
#
# Each seed is a selector byte and a value (see the top of fuzz-fields.c).
# The selector picks a field modulo the number of fields; the ones below
# are where each field type sits in app/'s tables today (any other order
# only changes which field a seed meets), and selector % 4 is the search
# limit.
#
#   make-fields-seeds.py tests/fuzz/corpus/fields
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import sys

TEXT = 0           # title
LONG_TEXT = 13     # rapid-review.recommendation
DATE = 3           # incident
DATE_TIME = 47     # chronology/date
CHOICE = 5         # type
CHOICES = 112      # representation/grounds
TEXT_LIMIT3 = 135  # title again (135 % 132 == 3), search limit 3

SEEDS = {
    # Text and long text.
    'text-plain': (TEXT, 'Child A, Northmoor'),
    'text-padded': (TEXT, '  \t Child A \r\n'),
    'text-200-chars': (TEXT, '\u00e9' * 200),
    'text-201-chars': (TEXT, 'x' * 201),
    'text-newline': (TEXT, 'two\nlines'),
    'text-c1-control': (TEXT, 'bell \u0085 here'),
    'text-only-spaces': (TEXT, '   '),
    'text-not-utf8': (TEXT, b'caf\xe9 \xc3\x28 \xed\xa0\x80'),
    'long-text-lines': (LONG_TEXT, 'first line\r\nsecond\tline\n\nthird'),
    'long-text-escape': (LONG_TEXT, 'ANSI \x1b[31m red'),
    'long-text-limit': (LONG_TEXT, 'y' * 65536),
    'long-text-over-limit': (LONG_TEXT, 'y' * 65537),
    # Dates.
    'date-valid': (DATE, '2026-06-01'),
    'date-leap-day': (DATE, '2028-02-29'),
    'date-not-leap': (DATE, '2026-02-29'),
    'date-year-zero': (DATE, '0000-01-01'),
    'date-year-9999': (DATE, '9999-12-31'),
    'date-padded': (DATE, ' 2026-06-01 '),
    'date-signs': (DATE, '+026-06-01'),
    'date-time-valid': (DATE_TIME, '2026-06-01T14:30'),
    'date-time-day': (DATE_TIME, '2026-06-01'),
    'date-time-24h': (DATE_TIME, '2026-06-01T24:00'),
    'date-time-60m': (DATE_TIME, '2026-06-01T23:60'),
    'date-time-space': (DATE_TIME, '2026-06-01 14:30'),
    'date-time-seconds': (DATE_TIME, '2026-06-01T14:30:00'),
    'date-time-short': (DATE_TIME, '2026-06-01T1'),
    # Choices.
    'choice-valid': (CHOICE, 'death'),
    'choice-padded': (CHOICE, ' death '),
    'choice-case': (CHOICE, 'Death'),
    'choice-list': (CHOICE, 'death,other'),
    'choices-valid': (CHOICES, 'accuracy, prejudice'),
    'choices-repeated': (CHOICES, 'prejudice,prejudice,accuracy'),
    'choices-empty-item': (CHOICES, 'prejudice,,accuracy'),
    'choices-trailing-comma': (CHOICES, 'prejudice,'),
    'choices-only-commas': (CHOICES, ',,,'),
    # Search: words, FTS5 syntax that must stay words, and no words.
    'search-word': (TEXT, 'neglect'),
    'search-prefix': (TEXT_LIMIT3, 'welf*'),
    'search-words': (TEXT, 'child  welfare\tcheck'),
    'search-fts-operators': (TEXT, 'neglect OR NOT school AND NEAR(child welfare)'),
    'search-fts-column': (TEXT, 'title:child body:* ^welfare'),
    'search-quotes': (TEXT, '"child" "" a"b*'),
    'search-stars': (TEXT, '* ** ***'),
    'search-star-words': (TEXT, '*a **b c**'),
    'search-punctuation': (TEXT, '- + ( ) { } : ^ ,'),
    'search-diacritics': (TEXT, 'caf\u00e9 Cafe\u0301 \u00c9COLE'),
    'search-not-utf8': (TEXT, b'\xff\xfe child \xc0\x80'),
    'search-1000': (TEXT, ('word ' * 200)[:1000]),
    'search-1001': (TEXT, ('word ' * 200)[:1000] + 'x'),
    'search-blank': (TEXT, ' \t\r\n'),
    # CSV: quoting and the formula prefix.
    'csv-formula-equals': (TEXT, '=HYPERLINK("http://example.org","x")'),
    'csv-formula-plus': (TEXT, '+1+1'),
    'csv-formula-minus': (TEXT, '-1'),
    'csv-formula-at': (TEXT, '@SUM(A1)'),
    'csv-formula-tab': (TEXT, '\t=1'),
    'csv-formula-cr': (TEXT, '\r=1'),
    'csv-comma': (TEXT, 'a,b'),
    'csv-quote': (TEXT, 'say "hi"'),
    'csv-crlf': (TEXT, 'line\r\nline'),
    'csv-leading-space': (TEXT, ' padded'),
    'csv-only-quote': (TEXT, '"'),
    # Nothing after the selector, and a NUL that ends the value early.
    'selector-only': (TEXT, ''),
    'nul-in-value': (TEXT, b'child\x00welfare'),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, (selector, value) in sorted(SEEDS.items()):
        if isinstance(value, str):
            value = value.encode('utf-8')
        with open(os.path.join(out, name), 'wb') as f:
            f.write(bytes([selector]) + value)


if __name__ == '__main__':
    main()
