"""seq2seq's run directory (src/model/run-dir.ts, docs/training.md), read and written by the twin:

  RUN/config.json          {"format": "seq2seq", "version": 1, "kind": "run", "model", "training", "tokenizers"}
  RUN/tokenizer*.json      Hugging Face tokenizer files (copied, never parsed here)
  RUN/model.safetensors    the best weights (a hard link to best/model.safetensors, or a copy)
  RUN/history.jsonl        one training event per line
  RUN/best/, RUN/last/     config.json {"kind": "checkpoint", "model", "step"} + model.safetensors;
  RUN/last/train-state/    state.json + optimizer.safetensors (m.<param>, v.<param>): what `train --resume` reads

A checkpoint directory is written whole under `.NAME.tmp-PID` and swapped in by renames (NAME → .NAME.old,
tmp → NAME, remove .NAME.old), as ours does, so a kill leaves the complete old or the complete new one.
"""

import json
import os
import shutil
import time

from .model import Seq2SeqTwin
from .safetensors import fsync_dir, read_safetensors, write_atomic, write_safetensors

FORMAT = 'seq2seq'
VERSION = 1
WEIGHTS = 'model.safetensors'
CONFIG = 'config.json'
HISTORY = 'history.jsonl'
STATE_DIR = 'train-state'
STATE_FILE = 'state.json'
OPTIMIZER_FILE = 'optimizer.safetensors'


def read_json(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def write_json(path, doc, indent=2):
    write_atomic(path, (json.dumps(doc, indent=indent, ensure_ascii=False) + '\n').encode('utf-8'))


def readable(run, kind):
    """kind/, else a .kind.old stranded by a kill between two renames."""
    d = os.path.join(run, kind)
    old = os.path.join(run, f'.{kind}.old')
    return d if os.path.isdir(d) or not os.path.isdir(old) else old


def checkpoint_dir(run, which=None):
    """The checkpoint to load: `which`, else best/, else last/, else the run directory itself."""
    for kind in ([which] if which else ['best', 'last']):
        d = readable(run, kind)
        if os.path.exists(os.path.join(d, WEIGHTS)):
            return d
    if not which and os.path.exists(os.path.join(run, WEIGHTS)):
        return run
    raise FileNotFoundError(f'{os.path.join(run, which or "", WEIGHTS)}: file not found (no checkpoint)')


def load_run_model(run, checkpoint=None):
    """(model in eval mode, run config) from a run directory; `checkpoint` a directory or best/last."""
    cfg = read_json(os.path.join(run, CONFIG))
    if cfg.get('format') != FORMAT:
        raise ValueError(f'{os.path.join(run, CONFIG)}: not a seq2seq run (format {cfg.get("format")!r})')
    ckpt = checkpoint if checkpoint and os.path.isdir(checkpoint) else checkpoint_dir(run, checkpoint)
    model = Seq2SeqTwin(read_json(os.path.join(ckpt, CONFIG))['model'] if ckpt != run else cfg['model'])
    tensors, _ = read_safetensors(os.path.join(ckpt, WEIGHTS))
    model.load_checkpoint_tensors(tensors, where=os.path.join(ckpt, WEIGHTS))
    model.eval()
    return model, cfg


def save_weights(dir_, model):
    """model.safetensors (float32, our names, __metadata__ as ours) then config.json's model section."""
    tensors = [(n, p.detach().float()) for n, p in model.checkpoint_tensors()]
    write_safetensors(
        os.path.join(dir_, WEIGHTS),
        tensors,
        {'format': FORMAT, 'version': str(VERSION), 'config': json.dumps(model.raw_config, separators=(',', ':'))},
    )


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)


def write_dir_whole(parent, name, fill):
    final = os.path.join(parent, name)
    old = os.path.join(parent, f'.{name}.old')
    if not os.path.isdir(final) and os.path.isdir(old):
        os.rename(old, final)
    elif os.path.isdir(old):
        remove_tree(old)
    tmp = os.path.join(parent, f'.{name}.tmp-{os.getpid()}')
    remove_tree(tmp)
    os.makedirs(tmp)
    fill(tmp)
    fsync_dir(tmp)
    if os.path.isdir(final):
        os.rename(final, old)
    os.rename(tmp, final)
    fsync_dir(parent)
    remove_tree(old)
    return final


def write_checkpoint(run, kind, model, step, state=None):
    """best/ or last/ (with the train state: {'json': state.json document, 'tensors': [(name, tensor)]})."""

    def fill(tmp):
        save_weights(tmp, model)
        write_json(
            os.path.join(tmp, CONFIG),
            {'format': FORMAT, 'version': VERSION, 'kind': 'checkpoint', 'model': model.raw_config, 'step': step},
        )
        if state is not None:
            sdir = os.path.join(tmp, STATE_DIR)
            os.makedirs(sdir)
            write_safetensors(
                os.path.join(sdir, OPTIMIZER_FILE), state['tensors'], {'format': 'seq2seq-train-state', 'version': '1'}
            )
            write_atomic(
                os.path.join(sdir, STATE_FILE),
                (json.dumps(state['json'], separators=(',', ':')) + '\n').encode('utf-8'),
            )
            fsync_dir(sdir)

    final = write_dir_whole(run, kind, fill)
    if kind == 'best':
        publish_weights(run, os.path.join(final, WEIGHTS))
    return final


def publish_weights(run, weights):
    target = os.path.join(run, WEIGHTS)
    tmp = os.path.join(run, f'.{WEIGHTS}.tmp-{os.getpid()}')
    if os.path.exists(tmp):
        os.unlink(tmp)
    try:
        os.link(weights, tmp)
    except OSError:
        shutil.copyfile(weights, tmp)
    os.replace(tmp, target)
    fsync_dir(run)


def read_train_state(run):
    """({state.json}, {name: tensor}) of last/train-state/ (a stranded .last.old is put back first)."""
    last = os.path.join(run, 'last')
    old = os.path.join(run, '.last.old')
    if not os.path.isdir(last) and os.path.isdir(old):
        os.rename(old, last)
    sdir = os.path.join(last, STATE_DIR)
    path = os.path.join(sdir, STATE_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f'{path}: file not found (the run has no resumable checkpoint)')
    tensors, _ = read_safetensors(os.path.join(sdir, OPTIMIZER_FILE))
    return read_json(path), tensors


def create_run_dir(run, fill):
    """A new run appears whole: filled in a temporary sibling, then renamed (an empty `run` is replaced)."""
    parent = os.path.dirname(os.path.abspath(run))
    tmp = os.path.join(parent, f'.{os.path.basename(os.path.abspath(run))}.tmp-{os.getpid()}')
    remove_tree(tmp)
    os.makedirs(tmp)
    try:
        fill(tmp)
        fsync_dir(tmp)
        if os.path.isdir(run):
            os.rmdir(run)
        os.rename(tmp, run)
    except BaseException:
        remove_tree(tmp)
        raise
    fsync_dir(parent)


def truncate_history(run, step):
    """history.jsonl cut to its complete events up to `step` (the steps after it are about to be redone)."""
    path = os.path.join(run, HISTORY)
    if not os.path.exists(path):
        return
    keep = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(e.get('step'), (int, float)) and e['step'] > step:
                continue
            keep.append(line if line.endswith('\n') else line + '\n')
    write_atomic(path, ''.join(keep).encode('utf-8'))


class History:
    """Appends events as `seq2seq train` does ({"time", "type", ...}); step events every `every`-th step."""

    def __init__(self, run, every=10):
        self.path = os.path.join(run, HISTORY)
        self.every = every

    def write(self, event):
        if event['type'] == 'step' and event['step'] % self.every != 0 and event['step'] != 1:
            return
        stamp = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime()) + f'.{int(time.time() * 1000) % 1000:03d}Z'
        with open(self.path, 'a', encoding='utf-8') as f:
            f.write(json.dumps({'time': stamp, **event}, separators=(',', ':')) + '\n')
