/**
 * The interactive translator: an input line with history, a transcript of source → translation
 * pairs (Ink <Static>, so it scrolls like ordinary terminal output), and panels for the last
 * translation — n-best list, attention heatmap, subword pieces — plus `:` commands to change the
 * search. Translating is synchronous CPU work, so a line first shows as "translating…" and is
 * translated on a timer, after Ink has drawn that frame.
 */
import React, { useCallback, useEffect, useRef, useState } from 'react';
import { Box, Static, Text, useApp, useInput, useStdout } from 'ink';
import { AttentionView } from './AttentionView.js';
import chalk from 'chalk';
import { colourWanted } from '../shared/colour.js';
import type { HeatScale, HeatStyle } from './attention-grid.js';
import { HELP_HINT, HELP_LINES, parseCommand, type Command } from './commands.js';
import * as edit from './line-editor.js';
import { describeModel, formatModelInfoLines, type ModelInfo } from './model-info.js';
import { NBestList } from './NBestList.js';
import { savePairs } from './save-pairs.js';
import { TokenView } from './TokenView.js';
import type { TranscriptEntry, TranslateSettings, TranslatorLike } from './types.js';

/** Ctrl-A … Ctrl-Z as raw bytes, except Tab, LF and CR (which a paste carries as text). */
const CONTROL_KEY = /[\x01-\x08\x0b\x0c\x0e-\x1a]/;
const CONTROL_KEYS_SPLIT = new RegExp(`(${CONTROL_KEY.source})`);

/** Control keys that edit the input line: Ctrl-U clears it, Ctrl-E moves to its end, Ctrl-H (BS) deletes. */
const LINE_EDIT_KEYS: Readonly<Record<string, (s: edit.LineState) => edit.LineState>> = { u: edit.clearLine, e: edit.moveEnd, h: edit.backspace };

export interface TranslateAppProps {
  translator: TranslatorLike;
  runDir: string;
  /** Options from the command line; beam and nBest become the app's starting search. */
  options?: Partial<TranslateSettings>;
  /** Defaults to what describeModel(runDir, translator) finds. */
  modelInfo?: ModelInfo;
  /**
   * Delay between showing "translating…" and translating. Ink draws at most 30 frames a second,
   * so the frame needs up to ~34 ms to reach the terminal before the CPU is busy (tests pass 0).
   */
  renderDelayMs?: number;
  /** Runs the deferred translation instead of a renderDelayMs timer (tests step it by hand). */
  defer?: (run: () => void) => void;
  /** Draw the heatmap in colour (default: colourWanted(), i.e. a colour terminal without NO_COLOR). */
  colour?: boolean;
  /** Directory `:save` resolves relative names against (default: the process's cwd). */
  cwd?: string;
  /** Called once when the user quits, before the app unmounts. */
  onQuit?: () => void;
}

interface Status {
  kind: 'error' | 'info';
  text: string;
}

interface Panels {
  nbest: boolean;
  attention: boolean;
  tokens: boolean;
  help: boolean;
}

interface Search {
  beam: number;
  nBest: number;
  /** nBest was set explicitly (:nbest K or --n-best > 1) rather than following the beam. */
  nBestPinned: boolean;
  lengthPenalty: number | undefined;
}

type StaticItem = { kind: 'header'; id: number } | { kind: 'entry'; id: number; entry: TranscriptEntry };

export const DEFAULT_BEAM = 5;

export function describeSearch(s: Search): string {
  const base = s.beam === 1 ? 'greedy' : `beam ${s.beam}`;
  return s.lengthPenalty !== undefined ? `${base}, lp ${s.lengthPenalty}` : base;
}

/** The first line of an error's message: the app shows one line, never a stack trace. */
export function oneLineError(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  return first.trim();
}

function initialSearch(options: Partial<TranslateSettings>): Search {
  const beam = Math.max(1, Math.floor(options.beam ?? DEFAULT_BEAM));
  const pinned = options.nBest !== undefined && options.nBest > 1;
  return {
    beam: pinned ? Math.max(beam, options.nBest!) : beam,
    nBest: pinned ? options.nBest! : beam,
    nBestPinned: pinned,
    lengthPenalty: options.lengthPenalty,
  };
}

export function TranslateApp(props: TranslateAppProps): React.ReactElement {
  const { translator, runDir, renderDelayMs = 40, defer, cwd, onQuit } = props;
  const [options] = useState<Partial<TranslateSettings>>(() => props.options ?? {});
  const colour = props.colour ?? colourWanted();
  // Ten heat colours need 256 colours or more; a 16-colour terminal gets the shade characters.
  const richColour = colour && (props.colour !== undefined || chalk.level >= 2);
  const { exit } = useApp();
  const { stdout } = useStdout();
  const columns = Math.max(40, stdout?.columns ?? 80);
  const screenRows = Math.max(16, stdout?.rows ?? 24);

  const [isKnownSource] = useState(() => {
    const src = translator.src as { tokenToId?: (piece: string) => number | undefined } | null | undefined;
    const lookup = src && typeof src.tokenToId === 'function' ? src.tokenToId.bind(src) : null;
    return lookup ? (piece: string) => lookup(piece) !== undefined : undefined;
  });
  const [info] = useState<ModelInfo>(() => props.modelInfo ?? describeModel(runDir, translator));
  const [line, setLineState] = useState<edit.LineState>(edit.emptyLine);
  // Keys can arrive faster than React re-renders (and re-subscribes the input handler), so edits
  // go through a ref that is always current rather than through the `line` of the last render.
  const lineRef = useRef(line);
  const setLine = useCallback((next: edit.LineState | ((l: edit.LineState) => edit.LineState)) => {
    lineRef.current = typeof next === 'function' ? next(lineRef.current) : next;
    setLineState(lineRef.current);
  }, []);
  const [queue, setQueue] = useState<string[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [entries, setEntries] = useState<TranscriptEntry[]>([]);
  const [search, setSearch] = useState<Search>(() => initialSearch(options));
  const [panels, setPanels] = useState<Panels>({ nbest: false, attention: false, tokens: false, help: false });
  const [heatStyle, setHeatStyle] = useState<HeatStyle>(richColour ? 'color' : 'shade');
  const [heatScale, setHeatScale] = useState<HeatScale>('absolute');
  const [offsets, setOffsets] = useState({ row: 0, col: 0 });
  const [status, setStatus] = useState<Status | null>(null);

  // Refs for the timer callback, which runs after the render that scheduled it.
  const searchRef = useRef(search);
  searchRef.current = search;
  const entriesRef = useRef(entries);
  entriesRef.current = entries;
  const nextId = useRef(1);
  const timer = useRef<NodeJS.Timeout | null>(null);
  const quitting = useRef(false);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  const quit = useCallback(() => {
    if (quitting.current) return;
    quitting.current = true;
    if (timer.current) clearTimeout(timer.current);
    onQuit?.();
    exit();
  }, [exit, onQuit]);

  // The panels show the newest successful translation (a failed line has nothing to show).
  let last: TranscriptEntry | null = null;
  for (let i = entries.length - 1; i >= 0 && last === null; i--) if (entries[i]!.translation) last = entries[i]!;

  const runCommand = useCallback(
    (cmd: Command) => {
      switch (cmd.kind) {
        case 'quit':
          quit();
          return;
        case 'help':
          setPanels((p) => ({ ...p, help: !p.help }));
          return;
        case 'beam':
          setSearch((s) => ({ ...s, beam: cmd.beam, nBest: s.nBestPinned ? Math.min(s.nBest, cmd.beam) : cmd.beam }));
          setStatus({ kind: 'info', text: cmd.beam === 1 ? 'search: greedy (beam 1)' : `search: beam ${cmd.beam}` });
          return;
        case 'nbest':
          if (cmd.k === null) {
            setPanels((p) => ({ ...p, nbest: !p.nbest }));
            return;
          }
          setSearch((s) => ({ ...s, nBest: cmd.k!, nBestPinned: true, beam: Math.max(s.beam, cmd.k!) }));
          setPanels((p) => ({ ...p, nbest: true }));
          setStatus({ kind: 'info', text: `n-best: ${cmd.k} hypotheses per sentence (from the next translation)` });
          return;
        case 'lengthPenalty':
          setSearch((s) => ({ ...s, lengthPenalty: cmd.alpha }));
          setStatus({ kind: 'info', text: `length penalty α = ${cmd.alpha}` });
          return;
        case 'attention':
          if (cmd.style === null && cmd.scale === null) {
            setPanels((p) => ({ ...p, attention: !p.attention }));
            return;
          }
          if (cmd.style === 'color' && !colour) {
            setHeatStyle('shade');
            setStatus({ kind: 'error', text: 'no colour in this terminal (NO_COLOR or not a colour terminal): using shades' });
          } else if (cmd.style) {
            setHeatStyle(cmd.style);
          }
          if (cmd.scale) setHeatScale(cmd.scale);
          setPanels((p) => ({ ...p, attention: true }));
          return;
        case 'tokens':
          setPanels((p) => ({ ...p, tokens: !p.tokens }));
          return;
        case 'save':
          try {
            const r = savePairs(cmd.file, entriesRef.current, cwd);
            setStatus({ kind: 'info', text: `saved ${r.count} ${r.count === 1 ? 'pair' : 'pairs'} to ${r.path}` });
          } catch (err) {
            setStatus({ kind: 'error', text: `cannot save: ${oneLineError(err)}` });
          }
          return;
        case 'error':
          setStatus({ kind: 'error', text: cmd.message });
          return;
      }
    },
    [quit, colour, cwd],
  );

  const translateNow = useCallback(
    (source: string) => {
      const s = searchRef.current;
      const opts: Partial<TranslateSettings> = { ...options, beam: s.beam, nBest: Math.min(s.nBest, s.beam) };
      if (s.lengthPenalty !== undefined) opts.lengthPenalty = s.lengthPenalty;
      const entry: TranscriptEntry = { id: nextId.current++, source, translation: null, error: null, search: describeSearch(s) };
      try {
        const t0 = performance.now();
        const out = translator.translate([source], opts);
        const ms = performance.now() - t0;
        const t = out[0];
        if (!t) throw new Error('the translator returned no translation');
        entry.translation = t;
        setStatus({ kind: 'info', text: `translated in ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms (${entry.search}, ${t.sourcePieces.length} → ${t.hyps[0]?.pieces.length ?? 0} pieces)` });
      } catch (err) {
        entry.error = oneLineError(err);
        setStatus({ kind: 'error', text: `translation failed: ${entry.error}` });
      }
      setEntries((es) => [...es, entry]);
      setOffsets({ row: 0, col: 0 });
    },
    [translator, options],
  );

  // The queue: typed and pasted lines, run one at a time in order (commands at once, sentences
  // after a "translating…" frame).
  useEffect(() => {
    if (busy !== null || queue.length === 0 || quitting.current) return;
    const [next, ...rest] = queue as [string, ...string[]];
    setQueue(rest);
    const text = next.trim();
    if (text === '') return;
    if (text.startsWith(':')) {
      runCommand(parseCommand(text));
      return;
    }
    setBusy(text);
    const run = () => {
      timer.current = null;
      if (quitting.current) return;
      translateNow(text);
      setBusy(null);
    };
    if (defer) defer(run);
    else timer.current = setTimeout(run, renderDelayMs);
  }, [busy, queue, runCommand, translateNow, renderDelayMs, defer]);

  const enqueue = useCallback((lines: string[]) => {
    if (lines.length > 0) setQueue((q) => [...q, ...lines]);
  }, []);

  const onControlKey = (letter: string): void => {
    if (letter === 'c' || letter === 'd') quit();
    else if (letter === 'n') setPanels((p) => ({ ...p, nbest: !p.nbest }));
    else if (letter === 'a') setPanels((p) => ({ ...p, attention: !p.attention }));
    else if (letter === 't') setPanels((p) => ({ ...p, tokens: !p.tokens }));
    else if (LINE_EDIT_KEYS[letter]) setLine(LINE_EDIT_KEYS[letter]);
  };

  useInput((input, key) => {
    if (quitting.current) return;
    if (key.ctrl && (input === 'c' || input === 'd')) {
      quit();
      return;
    }
    if (input.length > 1 && CONTROL_KEY.test(input)) {
      // Control keys and text in one chunk (keys sent faster than they are read, e.g. Ctrl-U then
      // ':quit'): applied in their order on a local copy of the line, then set once.
      let state = lineRef.current;
      const lines: string[] = [];
      for (const part of input.split(CONTROL_KEYS_SPLIT)) {
        if (part === '') continue;
        if (part.length === 1 && CONTROL_KEY.test(part)) {
          const letter = String.fromCharCode(part.charCodeAt(0) + 96);
          const lineEdit = LINE_EDIT_KEYS[letter];
          if (lineEdit) state = lineEdit(state);
          else onControlKey(letter);
          if (quitting.current) return;
        } else {
          const r = edit.insertChunk(state, part);
          state = r.state;
          lines.push(...r.lines);
        }
      }
      setLine(state);
      enqueue(lines);
      return;
    }
    if (key.return) {
      const r = edit.submit(lineRef.current);
      setLine(r.state);
      enqueue([r.line]);
      return;
    }
    if (input.length > 1 && /[\r\n]/.test(input)) {
      // A paste with line breaks: every complete line is translated on its own.
      const r = edit.insertChunk(lineRef.current, input);
      setLine(r.state);
      enqueue(r.lines);
      return;
    }
    if (key.upArrow) return setLine(edit.historyUp);
    if (key.downArrow) return setLine(edit.historyDown);
    if (key.pageUp || key.pageDown) {
      const step = Math.max(1, Math.floor(heatRows / 2));
      setOffsets((o) => ({ ...o, row: Math.max(0, o.row + (key.pageUp ? -step : step)) }));
      return;
    }
    if ((key.leftArrow || key.rightArrow) && key.shift) {
      setOffsets((o) => ({ ...o, col: Math.max(0, o.col + (key.leftArrow ? -4 : 4)) }));
      return;
    }
    if (key.leftArrow) return setLine(edit.moveLeft);
    if (key.rightArrow) return setLine(edit.moveRight);
    if (key.home) return setLine(edit.moveHome);
    if (key.end) return setLine(edit.moveEnd);
    // Most terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`.
    if (key.backspace || key.delete) return setLine(edit.backspace);
    if (key.tab) return setPanels((p) => ({ ...p, nbest: !p.nbest }));
    if (key.escape) {
      setPanels({ nbest: false, attention: false, tokens: false, help: false });
      setStatus(null);
      return;
    }
    if (key.ctrl) return onControlKey(input);
    if (key.meta || input === '') return;
    setLine((l) => edit.insertText(l, input.replace(/\t/g, ' ')));
  });

  // Height budget for the heatmap: the screen minus the other dynamic lines.
  const nbestLines = panels.nbest && last?.translation ? Math.min(10, last.translation.hyps.length) + 2 : 0;
  const tokenLines = panels.tokens && last?.translation ? 4 : 0;
  const helpLines = panels.help ? HELP_LINES.length + 1 : 0;
  const heatRows = Math.max(3, screenRows - 10 - nbestLines - tokenLines - helpLines);

  const staticItems: StaticItem[] = [{ kind: 'header', id: 0 }, ...entries.map((entry) => ({ kind: 'entry' as const, id: entry.id, entry }))];

  return (
    <Box flexDirection="column">
      <Static items={staticItems}>
        {(item) =>
          item.kind === 'header' ? (
            <Box key="header" flexDirection="column">
              {formatModelInfoLines(info, columns - 1).map((l, i) => (
                <Text key={i} bold>
                  {l}
                </Text>
              ))}
              <Text dimColor>Type a sentence and press Enter · :help lists keys and commands · Ctrl-C quits</Text>
            </Box>
          ) : (
            <EntryView key={item.id} entry={item.entry} />
          )
        }
      </Static>
      {last?.translation && panels.nbest ? <NBestList hyps={last.translation.hyps} search={last.search} width={columns} /> : null}
      {last?.translation && panels.attention ? (
        <AttentionView
          translation={last.translation}
          width={Math.min(columns, 120)}
          maxRows={heatRows}
          rowOffset={offsets.row}
          colOffset={offsets.col}
          style={heatStyle}
          scale={heatScale}
        />
      ) : null}
      {last?.translation && panels.tokens ? <TokenView translation={last.translation} isKnownSource={isKnownSource} /> : null}
      {!last?.translation && (panels.nbest || panels.attention || panels.tokens) ? <Text dimColor>(nothing translated yet)</Text> : null}
      {panels.help ? <HelpPanel /> : null}
      {busy !== null ? (
        <Text color="yellow" wrap="truncate-end">
          translating… {busy}
          {queue.length > 0 ? ` (+${queue.length} queued)` : ''}
        </Text>
      ) : status ? (
        <Text color={status.kind === 'error' ? 'red' : 'cyan'} wrap="truncate-end">
          {status.kind === 'error' ? '✗ ' : ''}
          {status.text}
        </Text>
      ) : null}
      <InputLine state={line} colour={colour} />
      <Text dimColor wrap="truncate-end">
        [{describeSearch(search)} · n-best {Math.min(search.nBest, search.beam)}] {HELP_HINT}
      </Text>
    </Box>
  );
}

function EntryView({ entry }: { entry: TranscriptEntry }): React.ReactElement {
  const best = entry.translation?.hyps[0];
  return (
    <Box flexDirection="column">
      <Text>
        <Text color="blue">› </Text>
        {entry.source}
      </Text>
      {entry.error !== null ? (
        <Text color="red">  ✗ {entry.error}</Text>
      ) : best ? (
        <Text>
          <Text color="green">{'  = '}</Text>
          {best.text}
        </Text>
      ) : (
        <Text dimColor>{'  = (no hypothesis)'}</Text>
      )}
      {entry.translation?.warnings.map((w, i) => (
        <Text key={i} color="yellow">
          {'  ! '}
          {w}
        </Text>
      ))}
    </Box>
  );
}

/**
 * The input line with its cursor: an inverse cell in colour; without colour (where inverse is off
 * too) a block "█" at the end of the line or a bar "▏" before the character under the cursor.
 */
function InputLine({ state, colour }: { state: edit.LineState; colour: boolean }): React.ReactElement {
  const before = state.text.slice(0, state.cursor);
  const cps = Array.from(state.text.slice(state.cursor));
  const at = cps[0];
  const after = cps.slice(1).join('');
  const cursor = colour ? <Text inverse>{at ?? ' '}</Text> : at === undefined ? '█' : `▏${at}`;
  return (
    <Text>
      <Text color="blue" bold>
        {'› '}
      </Text>
      {before}
      {cursor}
      {after}
    </Text>
  );
}

function HelpPanel(): React.ReactElement {
  const w = Math.max(...HELP_LINES.map(([k]) => k.length));
  return (
    <Box flexDirection="column">
      <Text bold>keys and commands</Text>
      {HELP_LINES.map(([k, d]) => (
        <Text key={k} wrap="truncate-end">
          {'  '}
          <Text color="cyan">{k.padEnd(w)}</Text>
          {'  '}
          {d}
        </Text>
      ))}
    </Box>
  );
}
