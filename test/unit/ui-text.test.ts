/** The browser's text safety and layout arithmetic (src/ui/text.ts, src/ui/browse/layout.ts). */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {clean, fit, slice, width} from '../../src/ui/text.ts'
import {browseLayout, scrollTop} from '../../src/ui/browse/layout.ts'

describe('terminal text', () => {
  test('clean removes every escape sequence and shows other controls as ?', () => {
    const cases: Array<[string, string]> = [
      ['a\x1b[31mred\x1b[0m', 'ared'],
      ['t\x1b]0;title\x07x', 'tx'],
      ['\x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\', 'link'],
      ['\x1bP1$r\x1b\\dcs', 'dcs'],
      ['8bit\x9b2J csi', '8bit2J csi'],
      ['\x1b[?1049l\x1b[?25h', ''],
      ['bell\x07 nul\x00 del\x7f', 'bell? nul? del?'],
      ['line\nbreak\rret', 'line?break?ret'],
      ['abc\u202eexe.txt\u2066x', 'abc?exe.txt?x'],
      ['tab\there', 'tab    here'],
      ['dangling \x1b', 'dangling '],
    ]
    for (const [input, want] of cases) assert.equal(clean(input), want, JSON.stringify(input))
    for (let c = 0; c < 0xa0; c++) {
      if (c === 9) continue
      assert.doesNotMatch(clean(`x${String.fromCharCode(c)}y`), /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/, `char ${c}`)
    }
  })

  test('fit and slice measure terminal cells (wide characters count two)', () => {
    assert.equal(width('日本'), 4)
    assert.equal(fit('abc', 5), 'abc  ')
    assert.equal(fit('abcdef', 4), 'abc…')
    assert.equal(fit('日本語', 5), '日本…')
    assert.equal(width(fit('日本語です', 6)), 6)
    assert.equal(slice('abcdef', 2, 3), 'cd…')
    assert.equal(slice('abcdef', 4, 3), 'ef ')
    assert.equal(fit('x', 0), '')
  })

  test('a character is a grapheme cluster: emoji with selectors are never split; a wide character cut by scrolling leaves a space', () => {
    // ✈️ is U+2708 U+FE0F, two cells: cut per code point it measured one cell too many.
    assert.equal(width(fit('✈️✈️✈️✈️x', 3)), 3)
    assert.equal(fit('✈️✈️✈️✈️x', 3), '✈️…')
    assert.equal(width(fit('👩‍👩‍👧 family', 4)), 4)
    // Scrolled one cell into 日: the rest keeps its columns.
    assert.equal(slice('日本語ab', 1, 7), ' 本語ab')
    assert.equal(slice('日本語ab', 2, 7), '本語ab ')
    // A 1 MiB line costs what a screen line does.
    assert.equal(fit('x'.repeat(1 << 20), 3), 'xx…')
    assert.equal(slice('y'.repeat(1 << 20), 1000, 3), 'yy…')
  })
})

describe('browse layout', () => {
  test('80x24: four panes tile the screen above one status line', () => {
    const l = browseLayout(80, 24)
    assert.equal(l.tooSmall, false)
    assert.equal(l.height, 23)
    assert.equal(l.refs.width + l.log.width, 80)
    assert.equal(l.tree.width + l.detail.width, 80)
    assert.equal(l.refs.height + l.tree.height, 22)
    assert.ok(browseLayout(39, 24).tooSmall && browseLayout(80, 11).tooSmall)
  })

  test('scrollTop keeps the selection in view, moving as little as it can', () => {
    assert.equal(scrollTop(0, 5, 3), 0)
    assert.equal(scrollTop(7, 5, 20, 0), 3)
    assert.equal(scrollTop(5, 5, 20, 3), 3)
    assert.equal(scrollTop(2, 5, 20, 3), 2)
    assert.equal(scrollTop(19, 5, 20, 0), 15)
  })
})
