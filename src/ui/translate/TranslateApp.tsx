/**
 * The interactive translator: an input line with history, a transcript of source → translation
 * pairs (Ink <Static>, so it scrolls like ordinary terminal output), and panels for the last
 * translation — n-best list, attention heatmap, subword pieces — plus `:` commands to change the
 * search. The state, keys, commands and the input queue live in translate-state.ts, keys.ts and
 * controller.ts; this component draws the state, feeds keys and terminal resizes to the controller,
 * and gives the panels the lines layout.ts allots them.
 */
import type React from 'react';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { Box, Static, Text, useApp, useInput, useStdout } from 'ink';
import chalk from 'chalk';
import { colourWanted } from '../shared/colour.js';
import { AttentionView } from './AttentionView.js';
import { HELP_HINT } from './commands.js';
import { TranslateController } from './controller.js';
import { EntryView } from './EntryView.js';
import { HelpPanel } from './HelpPanel.js';
import { InputLine } from './InputLine.js';
import { heatOptions, lastTranslated, layout } from './layout.js';
import { describeModel, formatModelInfoLines, type ModelInfo } from './model-info.js';
import { NBestList } from './NBestList.js';
import { TokenView } from './TokenView.js';
import { describeSearch, initialState, type Screen } from './translate-state.js';
import type { TranscriptEntry, TranslateSettings, TranslatorLike } from './types.js';

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
  /** Cut each entered line into sentences, each translated as an entry of its own (--split-sentences). */
  splitSentences?: boolean;
}

type StaticItem = { kind: 'header'; id: number } | { kind: 'entry'; id: number; entry: TranscriptEntry };

function screenOf(stdout: NodeJS.WriteStream): Screen {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}

/** Whether the translator's source tokenizer can tell a known piece (`tokenToId`), as a function. */
function knownSourceOf(translator: TranslatorLike): ((piece: string) => boolean) | undefined {
  const src = translator.src as { tokenToId?: (piece: string) => number | undefined } | null | undefined;
  if (!src || typeof src.tokenToId !== 'function') return undefined;
  const lookup = src.tokenToId.bind(src);
  return (piece) => lookup(piece) !== undefined;
}

export function TranslateApp(props: TranslateAppProps): React.ReactElement {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const colour = props.colour ?? colourWanted();
  const [app] = useState(() => {
    const { renderDelayMs = 40, defer } = props;
    const controller = new TranslateController({
      translator: props.translator,
      initial: initialState({
        options: props.options,
        screen: screenOf(stdout),
        colour,
        // Ten heat colours need 256 colours or more; a 16-colour terminal gets the shade characters.
        richColour: colour && (props.colour !== undefined || chalk.level >= 2),
        isKnownSource: knownSourceOf(props.translator),
        splitSentences: props.splitSentences,
      }),
      schedule: (run) => {
        if (defer) {
          defer(run);
          return () => {};
        }
        const timer = setTimeout(run, renderDelayMs);
        return () => clearTimeout(timer);
      },
      onQuit: () => {
        props.onQuit?.();
        exit();
      },
      cwd: props.cwd,
    });
    return { controller, info: props.modelInfo ?? describeModel(props.runDir, props.translator) };
  });
  const { controller, info } = app;
  const s = useSyncExternalStore(controller.subscribe, controller.getState);

  useEffect(() => {
    const onResize = () => controller.dispatch({ type: 'resize', screen: screenOf(stdout) });
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [controller, stdout]);
  useEffect(() => () => controller.dispose(), [controller]);
  useInput((input, key) => controller.key(input, key));

  const lay = layout(s);
  const lastEntry = lastTranslated(s);
  const last = lastEntry?.translation;
  const staticItems: StaticItem[] = [
    { kind: 'header', id: 0 },
    ...s.entries.map((entry) => ({ kind: 'entry' as const, id: entry.id, entry })),
  ];
  return (
    <Box flexDirection="column">
      <Static items={staticItems}>
        {(item) =>
          item.kind === 'header' ? (
            <Box key="header" flexDirection="column">
              {formatModelInfoLines(info, s.screen.columns - 1).map((l, i) => (
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
      {lastEntry && lay.lines.nbest > 0 ? (
        <NBestList
          hyps={lastEntry.translation.hyps}
          search={lastEntry.search}
          maxLines={lay.lines.nbest}
          offset={s.scroll.nbest}
        />
      ) : null}
      {last && lay.lines.attention > 0 ? (
        <AttentionView translation={last} width={lay.heatWidth} maxLines={lay.lines.attention} {...heatOptions(s)} />
      ) : null}
      {last && lay.lines.tokens > 0 ? (
        <TokenView translation={last} isKnownSource={s.isKnownSource} width={lay.columns} maxLines={lay.lines.tokens} />
      ) : null}
      {lay.nothingYet ? <Text dimColor>(nothing translated yet)</Text> : null}
      {lay.lines.help > 0 ? <HelpPanel maxLines={lay.lines.help} /> : null}
      {s.busy !== null ? (
        <Text color="yellow" wrap="truncate-end">
          translating… {s.busy}
          {s.queue.length > 0 ? ` (+${s.queue.length} queued)` : ''}
        </Text>
      ) : s.status ? (
        <Text color={{ error: 'red', warning: 'yellow', info: 'cyan' }[s.status.kind]} wrap="truncate-end">
          {{ error: '✗ ', warning: '⚠ ', info: '' }[s.status.kind]}
          {s.status.text}
        </Text>
      ) : null}
      <InputLine state={s.line} colour={colour} width={lay.columns} />
      <Text dimColor wrap="truncate-end">
        [{describeSearch(s.search)} · n-best {Math.min(s.search.nBest, s.search.beam)}] {HELP_HINT}
      </Text>
    </Box>
  );
}
