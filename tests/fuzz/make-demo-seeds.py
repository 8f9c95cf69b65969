#!/usr/bin/env python3
# make-demo-seeds.py: writes the seed inputs of fuzz-demo.
#
# Each seed is a demo-data file (format "liaison-demo-1", see
# data/demo/demo-case.json): the built-in demo itself, small files that
# load, and files that must fail, some of them late, after much has been
# written (which the all-or-nothing check is about).
#
#   make-demo-seeds.py data/demo/demo-case.json tests/fuzz/corpus/demo
#
# SPDX-License-Identifier: GPL-3.0-or-later

import copy
import json
import os
import sys


def small(demo):
    """Three organisations, their part of the case, a record of every kind
    they made and two requests with events: loads, and quickly."""
    d = copy.deepcopy(demo)
    keep = {'council', 'icb', 'iopc'}
    d['organisations'] = [o for o in d['organisations'] if o['key'] in keep]
    d['case']['participants'] = [p for p in d['case']['participants'] if p['org'] in keep]
    d['case']['attendance'] = [a for a in d['case']['attendance'] if a['org'] in keep]
    d['case']['delays'] = [{'sent': '2026-12-01', 'reason': 'Awaiting the criminal trial',
                            'revised': '2027-06-01'}]
    kinds, records = set(), []
    for r in d['records']:
        if r['originator'] in keep and (r['kind'] not in kinds or r['ref'] in ('int-iopc',
                                                                              'mat-log')):
            kinds.add(r['kind'])
            records.append(r)
    d['records'] = records
    d['requests'] = [q for q in d['requests'] if q['ref'] in ('q1', 'q4')]
    del d['notice']
    return d


def minimal():
    """The least that loads: one organisation and a case with no more than
    it needs."""
    return {
        'format': 'liaison-demo-1',
        'organisations': [{'key': 'la', 'name': 'Minimal Council (demo)',
                           'kind': 'local-authority'}],
        'case': {'lead': 'la', 'title': 'Child M', 'child': 'Child M', 'area': 'Nowhere',
                 'aware': '2026-01-05'},
    }


# Stands for the escape \ud800 (a lone high surrogate), which json.dumps()
# cannot write.
SURROGATE = '@LONE-SURROGATE@'


def dump(d):
    text = json.dumps(d, indent=1, ensure_ascii=False)
    return text.replace(SURROGATE, '\\ud800').encode('utf-8')


def main():
    demo_path, out = sys.argv[1], sys.argv[2]
    with open(demo_path, 'rb') as f:
        demo_bytes = f.read()
    demo = json.loads(demo_bytes)
    s = small(demo)
    seeds = {}

    seeds['demo-case.json'] = demo_bytes
    seeds['valid-small.json'] = dump(s)
    seeds['valid-minimal.json'] = dump(minimal())

    d = copy.deepcopy(s)
    d['organisations'][1]['name'] = 'A new ICB (demo)'
    d['organisations'][2]['name'] = 'Northmoor'  # a prefix of several known names
    seeds['valid-new-and-prefix-org-names.json'] = dump(d)

    d = minimal()
    d['case']['title'] = 'Child \u00c9, caf\u00e9 \u2014 \u0440\u0435\u0431\u0451\u043d\u043e\u043a \U0001f600'
    d['records'] = [{'ref': 'n', 'originator': 'la', 'kind': 'note',
                     'fields': {'text': 'Line one\nline two\ttabbed \u00e9'}}]
    seeds['valid-unicode.json'] = dump(d)

    # Not demo data at all.
    seeds['empty'] = b''
    seeds['not-json'] = b'liaison-demo-1\n'
    seeds['json-array.json'] = b'[{"format": "liaison-demo-1"}]\n'
    seeds['truncated-demo.json'] = demo_bytes[:len(demo_bytes) // 2]
    seeds['truncated-small.json'] = dump(s)[:-2]
    seeds['invalid-utf8.json'] = dump(minimal()).replace(b'Child M', b'Child \xc3\x28', 1)
    seeds['empty-whitespace.json'] = b' \n\t\r\n'
    seeds['empty-comment.json'] = b'/* no document */\n'

    # Escapes of lone UTF-16 surrogates, which json-glib turns into bytes
    # that are not UTF-8: in a parse error, in a value that is validated,
    # and in keys, refs and field names that Liaison quotes unchecked.
    seeds['lone-surrogate.json'] = dump(minimal()).replace(b'"Child M"', b'"Child \\ud800"', 1)
    d = minimal()
    d['case']['title'] = SURROGATE + 'x'
    seeds['lone-surrogate-title.json'] = dump(d)
    d = minimal()
    d['case']['lead'] = SURROGATE + 'y'
    seeds['lone-surrogate-lead.json'] = dump(d)
    d = minimal()
    d['records'] = [{'ref': SURROGATE + 'r', 'originator': 'la', 'kind': 'note',
                     'fields': {'text': ''}}]
    seeds['lone-surrogate-ref.json'] = dump(d)
    d = minimal()
    d['case']['fields'] = {SURROGATE + 'f': 'x'}
    seeds['lone-surrogate-field-name.json'] = dump(d)
    d = minimal()
    d['organisations'][0]['key'] = SURROGATE + 'k'
    d['case']['lead'] = SURROGATE + 'k'
    seeds['lone-surrogate-as-key.json'] = dump(d)
    seeds['nul-escape.json'] = dump(minimal()).replace(b'"Child M"', b'"Child\\u0000M"', 1)

    d = minimal()
    d['format'] = 'liaison-demo-2'
    seeds['wrong-format.json'] = dump(d)
    d['format'] = 1
    seeds['format-not-string.json'] = dump(d)

    # Organisations.
    d = minimal()
    d['organisations'] = []
    seeds['no-organisations.json'] = dump(d)
    d = minimal()
    d['organisations'][0]['kind'] = 'police'
    seeds['no-org-of-own-kind.json'] = dump(d)
    d = copy.deepcopy(s)
    d['organisations'].append(dict(d['organisations'][1]))
    seeds['duplicate-org-key.json'] = dump(d)
    d = copy.deepcopy(s)
    d['organisations'][1]['name'] = d['organisations'][1]['name'].lower()
    seeds['known-org-name-other-case.json'] = dump(d)
    d = copy.deepcopy(s)
    d['organisations'][2]['name'] = d['organisations'][1]['name']
    seeds['two-orgs-same-name.json'] = dump(d)

    # The case.
    d = minimal()
    del d['case']
    seeds['no-case.json'] = dump(d)
    d = minimal()
    d['case']['aware'] = '2026-02-30'
    seeds['case-bad-date.json'] = dump(d)
    d = copy.deepcopy(s)
    d['case']['fields']['lcspr.nonsense'] = 'x'
    seeds['case-unknown-field.json'] = dump(d)
    d = copy.deepcopy(s)
    d['case']['fields']['iopc.mode'] = 7
    seeds['case-field-not-string.json'] = dump(d)
    d = copy.deepcopy(s)
    d['case']['participants'][1]['role'] = 'judge'
    seeds['participant-bad-role.json'] = dump(d)
    d = copy.deepcopy(s)
    d['case']['participants'].append(dict(d['case']['participants'][1]))
    seeds['participant-twice.json'] = dump(d)
    d = copy.deepcopy(s)
    d['case']['lead'] = 'nobody'
    seeds['case-lead-unknown.json'] = dump(d)

    # Records.
    d = copy.deepcopy(s)
    d['records'][-1]['kind'] = 'memo'
    seeds['record-unknown-kind.json'] = dump(d)
    d = copy.deepcopy(s)
    d['records'][-1]['originator'] = 'police'
    seeds['record-unknown-originator.json'] = dump(d)
    d = copy.deepcopy(s)
    del d['records'][0]['fields']['what']
    seeds['record-missing-required.json'] = dump(d)
    d = copy.deepcopy(s)
    d['records'][-1]['fields']['classification'] = 'secret'
    d['records'][-1]['fields'].pop('basis', None)
    seeds['record-secret-without-basis.json'] = dump(d)
    d = copy.deepcopy(s)
    d['records'][-1]['fields']['date'] = '2026-13-01'
    seeds['record-bad-date.json'] = dump(d)

    # Requests, the last thing loaded: these fail after everything else
    # went in.
    d = copy.deepcopy(s)
    d['requests'][0]['record'] = 'no-such-record'
    seeds['request-missing-record.json'] = dump(d)
    d = copy.deepcopy(s)
    d['requests'][-1]['holder'] = 'police'
    seeds['request-unknown-holder.json'] = dump(d)
    d = copy.deepcopy(s)
    d['requests'][0]['events'].append({'action': 'decide', 'decision': 'decline',
                                       'reason': 'Changed our mind', 'by': 'Someone',
                                       'on': '2026-09-10'})
    seeds['event-invalid-transition.json'] = dump(d)
    d = copy.deepcopy(s)
    d['requests'][0]['events'].insert(0, {'action': 'escalate', 'level': 'court',
                                          'reason': 'Straight to court', 'by': 'Someone',
                                          'on': '2026-08-04'})
    seeds['event-escalate-skipping-levels.json'] = dump(d)
    d = copy.deepcopy(s)
    d['requests'][0]['events'][0]['action'] = 'approve'
    seeds['event-unknown-action.json'] = dump(d)
    d = copy.deepcopy(s)
    d['requests'][0]['events'][0]['on'] = '2026-07-01'
    seeds['event-before-request.json'] = dump(d)
    d = copy.deepcopy(s)
    d['requests'][1]['events'] = [{'action': 'decide', 'decision': 'redirect', 'to': 'nobody',
                                   'reason': 'Not ours', 'by': 'Someone', 'on': '2026-09-01'}]
    seeds['event-redirect-unknown.json'] = dump(d)

    # Huge strings, each just over a limit.
    d = minimal()
    d['organisations'].append({'key': 'big', 'name': 'O' * 201, 'kind': 'agency'})
    seeds['huge-org-name.json'] = dump(d)
    d = minimal()
    d['case']['title'] = 'T' * 201
    seeds['huge-case-title.json'] = dump(d)
    d = minimal()
    d['records'] = [{'ref': 'n', 'originator': 'la', 'kind': 'note',
                     'fields': {'text': 'x' * 65537}}]
    seeds['huge-note-text.json'] = dump(d)
    d = minimal()
    d['case']['participants'] = [{'org': 'la', 'role': 'local-authority',
                                  'contact': 'C' * 5000, 'email': 'e' * 5000 + '@example.org',
                                  'phone': '0' * 5000}]
    seeds['huge-participant.json'] = dump(d)
    d = minimal()
    d['organisations'][0]['key'] = 'k' * 5000
    d['case']['lead'] = d['organisations'][0]['key']
    seeds['huge-org-key.json'] = dump(d)

    os.makedirs(out, exist_ok=True)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
