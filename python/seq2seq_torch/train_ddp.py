#!/usr/bin/env python3
"""train_ddp.py — seq2seq training on many processes (GPUs or CPU cores) with PyTorch DistributedDataParallel,
reading id shards (`seq2seq corpus encode`) and writing seq2seq's run directory, which `seq2seq translate`,
`eval`, `inspect` and `train --resume` load unchanged. docs/scale-out.md has the recipes.

  torchrun --nproc_per_node 8 python/seq2seq_torch/train_ddp.py --ids ids/ --out runs/en-de [--preset base] …
  torchrun --nproc_per_node 8 python/seq2seq_torch/train_ddp.py --resume runs/en-de [--max-steps N]
  python3 python/seq2seq_torch/train_ddp.py --ids ids/ --out runs/x …      (one process, no torchrun)

The distributed set-up reads torchrun's environment contract and nothing else: RANK, LOCAL_RANK, WORLD_SIZE,
MASTER_ADDR, MASTER_PORT (any launcher that sets them works: Slurm's srun with a wrapper, mpirun, a test).
Backend: nccl with CUDA (one GPU per LOCAL_RANK), gloo on CPU.

The training is `seq2seq train`'s (src/train/trainer.ts), step for step: the same batches (our batcher's plan,
each batch's sentences dealt round-robin to the ranks), the same loss (Σ cross-entropy with label smoothing over
the batch's target tokens, the gradient divided by the batch's tokens over all ranks), global-norm clipping,
Adam (decoupled weight decay) or SGD with momentum, the same learning-rate schedule, NaN guard, validation
(teacher-forced loss and perplexity on rank 0: BLEU needs the tokenizer, so the best checkpoint is chosen by
validation loss), checkpoints best/ and last/ with our train state, history.jsonl.
"""

import argparse
import json
import math
import os
import shutil
import signal
import sys
import time

if __package__ in (None, ''):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402

from seq2seq_torch import run_dir as rd  # noqa: E402
from seq2seq_torch.batching import Batcher, Rng, eval_batches, make_batch  # noqa: E402
from seq2seq_torch.ids import load_split, read_index  # noqa: E402
from seq2seq_torch.model import MODEL_DEFAULTS, Seq2SeqTwin  # noqa: E402
from seq2seq_torch.safetensors import SafetensorsError  # noqa: E402
from seq2seq_torch.schedule import EarlyStopping, LrSchedule  # noqa: E402
from seq2seq_torch.settings import SettingsError, check_layer, parse_duration, resolve  # noqa: E402

MODEL_ORDER = [
    'cell',
    'srcVocabSize',
    'tgtVocabSize',
    'embeddingSize',
    'hiddenSize',
    'encoderHiddenSize',
    'encoderLayers',
    'decoderLayers',
    'bidirectional',
    'attention',
    'attentionSize',
    'inputFeeding',
    'preOutput',
    'preOutputSize',
    'tiedTargetEmbeddings',
    'dropout',
    'memoryDropout',
    'wordDropout',
    'labelSmoothing',
    'maxSourceLength',
    'maxTargetLength',
]
# flag → (settings key, type); model keys under "model."
FLAGS = {
    'preset': ('preset', str),
    'optimizer': ('optimizer', str),
    'lr': ('lr', float),
    'momentum': ('momentum', float),
    'beta1': ('beta1', float),
    'beta2': ('beta2', float),
    'eps': ('eps', float),
    'weight-decay': ('weightDecay', float),
    'clip-norm': ('clipNorm', float),
    'schedule': ('schedule', str),
    'warmup-steps': ('warmupSteps', int),
    'decay-factor': ('decayFactor', float),
    'decay-patience': ('decayPatience', int),
    'min-lr': ('minLr', float),
    'anneal': ('anneal', float),
    'batch-tokens': ('batchTokens', int),
    'batch-sentences': ('batchSentences', int),
    'max-src-len': ('maxSrcLen', int),
    'max-tgt-len': ('maxTgtLen', int),
    'seed': ('seed', int),
    'max-steps': ('maxSteps', int),
    'max-epochs': ('maxEpochs', int),
    'time-budget': ('timeBudget', str),
    'eval-every': ('evalEvery', int),
    'checkpoint-every': ('checkpointEvery', int),
    'keep-checkpoints': ('keepCheckpoints', int),
    'patience': ('patience', int),
    'cell': ('model.cell', str),
    'attention': ('model.attention', str),
    'embedding-size': ('model.embeddingSize', int),
    'hidden-size': ('model.hiddenSize', int),
    'encoder-layers': ('model.encoderLayers', int),
    'decoder-layers': ('model.decoderLayers', int),
    'attention-size': ('model.attentionSize', int),
    'pre-output-size': ('model.preOutputSize', int),
    'dropout': ('model.dropout', float),
    'memory-dropout': ('model.memoryDropout', float),
    'word-dropout': ('model.wordDropout', float),
    'label-smoothing': ('model.labelSmoothing', float),
}
RESUME_OVERRIDABLE = ('maxSteps', 'maxEpochs', 'timeBudget')
REASONS = ['', 'max-steps', 'max-epochs', 'time-budget', 'early-stopping', 'interrupted']


class UsageError(Exception):
    """Bad usage or input: one line, exit 2."""


def refuse_bpe_dropout(s):
    if s.get('bpeDropout'):
        raise UsageError(
            'bpeDropout needs the text segmented anew every epoch; this trainer reads fixed id shards '
            '(train with seq2seq train, or set bpeDropout to 0)'
        )


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog='train_ddp.py', description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument('--ids', help='id shards written by `seq2seq corpus encode` (a "valid" split enables validation)')
    p.add_argument('--out', help='run directory to create')
    p.add_argument(
        '--resume', metavar='RUN', help='continue a run (written by this script or by `seq2seq train`) from last/'
    )
    p.add_argument('--config', help='JSON file of training settings, as `seq2seq train --config`')
    p.add_argument('--threads', type=int, default=None, help='torch threads per process (default: torch\'s)')
    p.add_argument('--device', choices=['auto', 'cpu', 'cuda'], default='auto', help='auto: CUDA when available')
    p.add_argument('--log-every', type=int, default=10, help='print a progress line every n steps (rank 0)')
    for flag, (_, typ) in FLAGS.items():
        p.add_argument(f'--{flag}', type=typ, default=None)
    p.add_argument('--layers', type=int, default=None, help='encoder and decoder layers')
    p.add_argument('--no-bidirectional', action='store_true')
    p.add_argument('--input-feeding', action='store_true')
    p.add_argument('--tied-embeddings', action='store_true')
    return p.parse_args(argv)


def flag_layer(a):
    layer, model = {}, {}
    for flag, (key, _) in FLAGS.items():
        v = getattr(a, flag.replace('-', '_'))
        if v is None:
            continue
        if key.startswith('model.'):
            model[key[6:]] = v
        else:
            layer[key] = v
    if a.layers is not None:
        model['encoderLayers'] = model['decoderLayers'] = a.layers
    if a.no_bidirectional:
        model['bidirectional'] = False
    if a.input_feeding:
        model['inputFeeding'] = True
    if a.tied_embeddings:
        model['tiedTargetEmbeddings'] = True
    if model:
        layer['model'] = model
    return layer


def model_config(settings, index):
    """The full model config in our key order (vocabulary sizes from the ids)."""
    raw = {
        **MODEL_DEFAULTS,
        **settings['model'],
        'srcVocabSize': index['vocab']['src'],
        'tgtVocabSize': index['vocab']['tgt'],
    }
    return {k: raw[k] for k in MODEL_ORDER if k in raw}


def same_file(a, b):
    with open(a, 'rb') as f, open(b, 'rb') as g:
        return f.read() == g.read()


class Dist:
    """torchrun's environment contract (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT); else one process."""

    def __init__(self, device_choice):
        self.world = int(os.environ.get('WORLD_SIZE', '1'))
        self.rank = int(os.environ.get('RANK', '0'))
        self.local_rank = int(os.environ.get('LOCAL_RANK', '0'))
        cuda = torch.cuda.is_available() if device_choice == 'auto' else device_choice == 'cuda'
        self.device = torch.device(f'cuda:{self.local_rank}' if cuda else 'cpu')
        if cuda:
            torch.cuda.set_device(self.device)
        self.on = self.world > 1
        if self.on:
            dist.init_process_group(
                'nccl' if cuda else 'gloo', init_method='env://', rank=self.rank, world_size=self.world
            )

    def broadcast(self, values):
        """rank 0's list of floats, on every rank."""
        if not self.on:
            return values
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.broadcast(t, 0)
        return t.tolist()

    def sum(self, values):
        if not self.on:
            return values
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return t.tolist()

    def barrier(self):
        if self.on:
            dist.barrier()

    def close(self):
        if self.on:
            dist.destroy_process_group()


class Run:
    """What a training session needs, for a new run or a resumed one (same on every rank)."""

    def __init__(self, args, d):
        self.d = d
        if args.resume:
            self._resume(args)
        else:
            self._new(args)

    def _new(self, a):
        if not a.ids or not a.out:
            raise UsageError('a new run needs --ids DIR and --out RUN (or --resume RUN)')
        self.ids = os.path.abspath(a.ids)
        self.index = read_index(self.ids)
        layers = []
        if a.config:
            with open(a.config, encoding='utf-8') as f:
                layers.append(check_layer(json.load(f), a.config))
        layers.append(check_layer(flag_layer(a), 'options'))
        s = resolve(layers)
        self.run = os.path.abspath(a.out)
        if os.path.exists(os.path.join(self.run, rd.CONFIG)):
            raise UsageError(
                f'{a.out}: already holds a run (continue it with --resume {a.out}, or choose another --out)'
            )
        if os.path.isdir(self.run) and os.listdir(self.run):
            raise UsageError(f'{a.out}: directory is not empty (choose another --out)')
        self.d.barrier()  # every rank has checked before rank 0 creates it
        self.notes = []
        if s['bestMetric'] != 'loss':
            self.notes.append(
                f"bestMetric {s['bestMetric']} needs decoding with the tokenizer: "
                'this trainer keeps the best validation loss'
            )
            s['bestMetric'] = 'loss'
        if s.get('keepCheckpoints'):
            self.notes.append('keepCheckpoints is not implemented by this trainer: only best/ and last/ are written')
        refuse_bpe_dropout(s)
        train, valid = self.index['splits']['train'], self.index['splits'].get('valid')
        tk = self.index['tokenizers']
        joint = tk['src'] == tk['tgt']
        s.update(
            {
                'train': train['corpus']['paths'],
                'src': train['corpus']['src'],
                'tgt': train['corpus']['tgt'],
                'format': train['corpus']['format'],
                'valid': valid['corpus']['paths'] if valid else None,
                'out': self.run,
                'vocabSize': self.index['vocab']['src'],
                'jointVocab': joint,
                'tokenizer': os.path.join(self.ids, tk['src']) if joint else None,
                'srcTokenizer': None if joint else os.path.join(self.ids, tk['src']),
                'tgtTokenizer': None if joint else os.path.join(self.ids, tk['tgt']),
            }
        )
        if s['timeBudget'] is not None:
            parse_duration(s['timeBudget'])
        self.settings = s
        self.model_config = model_config(s, self.index)
        self.tokenizers = dict(tk)
        self.state = None
        self.weights = None
        if self.d.rank == 0:

            def fill(tmp):
                for name in set(tk.values()):
                    shutil.copyfile(os.path.join(self.ids, name), os.path.join(tmp, name))
                rd.write_json(
                    os.path.join(tmp, rd.CONFIG),
                    {
                        'format': rd.FORMAT,
                        'version': rd.VERSION,
                        'kind': 'run',
                        'model': self.model_config,
                        'training': s,
                        'tokenizers': tk,
                        'ids': self.ids,
                    },
                )

            Seq2SeqTwin(self.model_config)  # refuse an impossible model before anything is written
            rd.create_run_dir(self.run, fill)
        self.d.barrier()

    def _resume(self, a):
        self.run = os.path.abspath(a.resume)
        cfg = rd.read_json(os.path.join(self.run, rd.CONFIG))
        if cfg.get('format') != rd.FORMAT or cfg.get('kind') != 'run':
            raise UsageError(f'{a.resume}: not a seq2seq run directory')
        over = flag_layer(a)
        bad = [k for k in over if k not in RESUME_OVERRIDABLE]
        if bad or a.config:
            raise UsageError(
                '--resume continues with the run\'s saved settings; '
                'only --max-steps, --max-epochs and --time-budget may be given'
            )
        s = {**cfg['training'], **over}
        refuse_bpe_dropout(s)
        self.notes = []
        self.ids = os.path.abspath(a.ids or cfg.get('ids') or '')
        if not a.ids and not cfg.get('ids'):
            raise UsageError(
                f'{a.resume}: trained by `seq2seq train`: give the ids with --ids DIR '
                f'(`seq2seq corpus encode … --model {a.resume}`)'
            )
        self.index = read_index(self.ids)
        self.tokenizers = cfg['tokenizers']
        for side in ('src', 'tgt'):
            if not same_file(
                os.path.join(self.run, cfg['tokenizers'][side]), os.path.join(self.ids, self.index['tokenizers'][side])
            ):
                raise UsageError(
                    f'{self.ids}: encoded with another {side} tokenizer than the run\'s ({cfg["tokenizers"][side]})'
                )
        self.settings = s
        self.model_config = cfg['model']
        self.state, self.weights = None, None
        if os.path.isdir(rd.readable(self.run, 'last')):
            if self.d.rank == 0:
                for kind in ('best', 'last'):
                    old, cur = os.path.join(self.run, f'.{kind}.old'), os.path.join(self.run, kind)
                    if os.path.isdir(old) and not os.path.isdir(cur):
                        os.rename(old, cur)
            self.d.barrier()
            self.state, opt = rd.read_train_state(self.run)
            self.state['optimizerTensors'] = opt
            self.model_config = rd.read_json(os.path.join(self.run, 'last', rd.CONFIG))['model']
            self.weights = rd.read_safetensors(os.path.join(self.run, 'last', rd.WEIGHTS))[0]
        if s.get('bestMetric') != 'loss':
            self.notes.append(
                f"this run kept the best {s.get('bestMetric')}; "
                'from now on the best validation loss (best/ starts again)'
            )
            s['bestMetric'] = 'loss'
            if self.state:
                self.state['best'] = None
                self.state['earlyStopping'] = {'best': None, 'bestStep': 0, 'bad': 0}
                self.state['schedule'] = {**self.state['schedule'], 'best': None, 'bad': 0}
        if self.d.rank == 0:
            rd.truncate_history(self.run, self.state['step'] if self.state else 0)
            if self.state is None or s != cfg['training'] or cfg.get('ids') != self.ids:
                rd.write_json(os.path.join(self.run, rd.CONFIG), {**cfg, 'training': s, 'ids': self.ids})
        self.d.barrier()


class Trainer:
    def __init__(self, run, d, threads, log_every):
        self.r, self.d, self.s = run, d, run.settings
        s = self.s
        if threads:
            torch.set_num_threads(threads)
        torch.manual_seed(s['seed'])  # the same initial weights on every rank (DDP broadcasts rank 0's anyway)
        self.model = Seq2SeqTwin(run.model_config).to(d.device)
        if run.weights is not None:
            self.model.load_checkpoint_tensors(run.weights, where=os.path.join(run.run, 'last', rd.WEIGHTS))
        torch.manual_seed(s['seed'] * 1000 + d.rank + 1)  # dropout masks differ between ranks
        self.net = (
            torch.nn.parallel.DistributedDataParallel(
                self.model, device_ids=[d.device.index] if d.device.type == 'cuda' else None
            )
            if d.on
            else self.model
        )
        self.params = [p for _, p in self.model.checkpoint_tensors()]
        self.names = [n for n, _ in self.model.checkpoint_tensors()]
        self.train = load_split(run.ids, 'train', run.index)
        self.valid = load_split(run.ids, 'valid', run.index) if 'valid' in run.index['splits'] else None
        mc = self.model.config
        self.batcher = Batcher(
            self.train,
            s['batchTokens'],
            s.get('batchSentences'),
            min(s['maxSrcLen'], mc['maxSourceLength']),
            min(s['maxTgtLen'], mc['maxTargetLength']),
            s['seed'],
        )
        if s['optimizer'] == 'sgd':
            self.opt = torch.optim.SGD(self.params, lr=s['lr'], momentum=s['momentum'], weight_decay=s['weightDecay'])
        else:
            self.opt = torch.optim.AdamW(
                self.params, lr=s['lr'], betas=(s['beta1'], s['beta2']), eps=s['eps'], weight_decay=s['weightDecay']
            )
        self.schedule = LrSchedule(
            s['schedule'], s['lr'], s['warmupSteps'], s['decayFactor'], s['decayPatience'], s['minLr'], s['anneal']
        )
        self.early = EarlyStopping(s['patience'])
        self.step, self.t, self.bad_steps, self.prior, self.last_eval = 0, 0, 0, 0.0, 0
        self.best = None
        self.rngs = [Rng(s['seed']).state()]
        self.budget = parse_duration(s['timeBudget']) if s.get('timeBudget') is not None else None
        self.history = rd.History(run.run) if d.rank == 0 else None
        self.log_every = log_every
        self.stop_signal = None
        self.last_saved = -1
        if run.state:
            self.restore(run.state)

    # ------------------------------------------------------------- state in our train-state form
    def restore(self, st):
        self.step = st['step']
        self.batcher.restore(st['batcher'])
        opt = st['optimizer']
        kind = 'sgd' if isinstance(self.opt, torch.optim.SGD) else 'adam'
        if opt['kind'] != kind:
            raise UsageError(f'optimizer state is for {opt["kind"]}, this run uses {kind}')
        tensors = st['optimizerTensors']
        self.t = opt['t']
        for n, p in zip(self.names, self.params):
            if kind == 'adam':
                if self.t > 0:
                    self.opt.state[p] = {
                        'step': torch.tensor(float(self.t)),
                        'exp_avg': tensors[f'm.{n}'].view_as(p).to(p.device).clone(),
                        'exp_avg_sq': tensors[f'v.{n}'].view_as(p).to(p.device).clone(),
                    }
            elif self.s['momentum'] > 0 and self.t > 0:
                self.opt.state[p] = {'momentum_buffer': tensors[f'velocity.{n}'].view_as(p).to(p.device).clone()}
        self.schedule.restore(st['schedule'])
        self.early.restore(st['earlyStopping'])
        self.best = st['best']
        self.rngs = st['rngs']
        self.bad_steps, self.prior, self.last_eval = st['badSteps'], st['trainSeconds'], st['lastEvalStep']

    def state(self):
        kind = 'sgd' if isinstance(self.opt, torch.optim.SGD) else 'adam'
        tensors = []
        for n, p in zip(self.names, self.params):
            st = self.opt.state.get(p, {})
            flat = (
                lambda key: (st[key] if key in st else torch.zeros_like(p)).detach().float().cpu().reshape(-1)
            )  # noqa: E731
            if kind == 'adam':
                tensors += [(f'm.{n}', flat('exp_avg')), (f'v.{n}', flat('exp_avg_sq'))]
            else:
                tensors.append((f'velocity.{n}', flat('momentum_buffer')))
        js = {
            'version': 1,
            'step': self.step,
            'batcher': self.batcher.state(),
            'optimizer': {'kind': kind, 't': self.t},
            'schedule': self.schedule.state(),
            'earlyStopping': self.early.state(),
            'best': self.best,
            'rngs': self.rngs,
            'badSteps': self.bad_steps,
            'trainSeconds': self.prior + self.session(),
            'lastEvalStep': self.last_eval,
        }
        return {'json': js, 'tensors': tensors}

    # ------------------------------------------------------------- helpers
    def session(self):
        return time.monotonic() - self.start

    def emit(self, event):
        if self.history:
            self.history.write(event)

    def note(self, msg):
        if self.d.rank == 0:
            print(f'train_ddp: {msg}', file=sys.stderr, flush=True)

    def progress(self):
        s, p = self.s, 0.0
        if s.get('maxSteps'):
            p = max(p, self.step / s['maxSteps'])
        if s.get('maxEpochs'):
            st = self.batcher.state()
            p = max(p, (st['epoch'] + st['index'] / max(1, self.batcher.batches_in_epoch)) / s['maxEpochs'])
        if self.budget:
            p = max(p, (self.prior + self.session()) / (self.prior + self.budget))
        return min(1.0, p)

    def stop_reason(self):
        s = self.s
        if self.stop_signal:
            return self.stop_signal
        if s.get('maxSteps') and self.step >= s['maxSteps']:
            return 'max-steps'
        if s.get('maxEpochs') and self.batcher.state()['epoch'] >= s['maxEpochs']:
            return 'max-epochs'
        if self.budget and self.session() >= self.budget:
            return 'time-budget'
        return None

    def save(self, kind):
        if kind == 'last':
            if self.last_saved == self.step:
                return
            self.last_saved = self.step
        path = rd.write_checkpoint(self.r.run, kind, self.model, self.step, self.state() if kind == 'last' else None)
        self.emit({'type': 'checkpoint', 'step': self.step, 'kind': kind, 'path': path})

    @torch.no_grad()
    def validate(self):
        self.model.eval()
        loss = nll = tokens = 0.0
        for b in eval_batches(self.valid, 4000):
            src, lengths, tin, tout = make_batch([self.valid.pair(i) for i in b], self.d.device)
            l, n, t = self.model.loss(src, lengths, tin, tout)
            loss, nll, tokens = loss + l.item(), nll + n.item(), tokens + t
        self.model.train()
        return loss / tokens, math.exp(nll / tokens)

    def run_eval(self, feed):
        """Rank 0: validation, best/ when it improves; returns True when early stopping says stop."""
        loss, ppl = self.validate()
        self.last_eval = self.step
        score = -loss
        is_best = self.best is None or score > self.best['score']
        if is_best:
            self.best = {'score': score, 'value': loss, 'step': self.step}
        self.emit(
            {
                'type': 'eval',
                'step': self.step,
                'epoch': self.batcher.state()['epoch'],
                'loss': loss,
                'ppl': ppl,
                'bleu': None,
                'chrf': None,
                'best': is_best,
                'metric': 'loss',
            }
        )
        self.note(f'step {self.step}: validation loss {loss:.4f}, perplexity {ppl:.2f}{"  (best)" if is_best else ""}')
        if is_best:
            self.save('best')
        if not feed:
            return False
        if self.schedule.observe(score):
            self.emit(
                {
                    'type': 'warning',
                    'step': self.step,
                    'message': 'validation loss did not improve: learning rate lowered to '
                    f'{self.schedule.lr_at(self.step + 1, self.progress()):.3g}',
                }
            )
        self.early.observe(score, self.step)
        return self.early.should_stop

    # ------------------------------------------------------------- the loop
    def train_step(self, ids):
        d = self.d
        share = ids[d.rank :: d.world]
        weight = 1.0 if share else 0.0  # a rank without sentences joins the all-reduce with a zero loss
        src, lengths, tin, tout = make_batch([self.train.pair(i) for i in (share or ids[:1])], d.device)
        for p in self.params:
            p.grad = None
        loss, nll, tokens = self.net(src, lengths, tin, tout, train=True)
        total_loss, total_nll, total_tokens = d.sum([loss.item() * weight, nll.item() * weight, tokens * weight])
        # DDP averages the ranks' gradients: scaled by world/tokens, the result is Σ_ranks ∇loss / tokens (ours)
        (loss * (weight * d.world / max(1.0, total_tokens))).backward()
        sq = sum(float((p.grad.double() ** 2).sum()) for p in self.params if p.grad is not None)
        norm = math.sqrt(sq)
        clip = self.s['clipNorm']
        if math.isfinite(norm) and clip > 0 and norm > clip:
            for p in self.params:
                if p.grad is not None:
                    p.grad.mul_(clip / (norm + 1e-6))
        return total_loss, total_nll, total_tokens, norm

    def run(self):
        d, s = self.d, self.s
        self.start = time.monotonic()
        self.model.train()
        eval_every = s['evalEvery']
        ckpt_every = s.get('checkpointEvery') or eval_every
        resumed = self.r.state is not None
        params = sum(p.numel() for p in self.params)
        self.emit(
            {
                'type': 'start',
                'step': self.step,
                'epoch': self.batcher.state()['epoch'],
                'resumed': resumed,
                'parameters': params,
                'batchesPerEpoch': self.batcher.batches_in_epoch,
                'maxSteps': s.get('maxSteps'),
                'maxEpochs': s.get('maxEpochs'),
                'timeBudgetMs': self.budget * 1000 if self.budget else None,
                'runDir': self.r.run,
            }
        )
        self.note(
            f'{"resuming at step " + str(self.step) if resumed else "new run"} in {self.r.run}: {params:,} parameters, '
            f'{len(self.batcher.kept):,} '
            f'training pairs in {self.batcher.batches_in_epoch} batches per epoch, '
            f'{d.world} process(es) on {d.device.type}'
        )
        for n in self.r.notes:
            self.note(n)
        session_steps, last = 0, time.monotonic()
        reason = None
        while True:
            reason_code, lr_hint = d.broadcast([REASONS.index(self.stop_reason() or ''), 0.0])
            if reason_code:
                reason = REASONS[int(reason_code)]
                break
            epoch = self.batcher.epoch
            ids = self.batcher.next_in_epoch()
            if ids is None:
                continue
            loss, nll, tokens, norm = self.train_step(ids)
            self.step += 1
            session_steps += 1
            lr = d.broadcast([self.schedule.lr_at(self.step, self.progress())])[0]
            if not (math.isfinite(loss) and math.isfinite(norm)):
                self.bad_steps += 1
                self.schedule.dampen(0.5)
                what = f'loss is {loss}' if not math.isfinite(loss) else f'gradient norm is {norm}'
                if self.bad_steps > 5:
                    raise RuntimeError(
                        f'training diverged: {what} at step {self.step}, {self.bad_steps} non-finite steps in a row'
                    )
                self.emit(
                    {
                        'type': 'warning',
                        'step': self.step,
                        'message': f'step {self.step}: {what}; update skipped, learning rate halved',
                    }
                )
            else:
                self.bad_steps = 0
                for g in self.opt.param_groups:
                    g['lr'] = lr
                self.opt.step()
                self.t += 1
            now = time.monotonic()
            tps = tokens / max(1e-6, now - last)
            last = now
            per = max(1.0, tokens)
            self.emit(
                {
                    'type': 'step',
                    'step': self.step,
                    'epoch': epoch,
                    'epochStep': self.batcher.index,
                    'batchesPerEpoch': self.batcher.batches_in_epoch,
                    'loss': loss / per,
                    'ppl': math.exp(min(nll / per, 700)),
                    'lr': lr,
                    'gradNorm': norm,
                    'tokensPerSec': tps,
                    'elapsed': self.session(),
                    'eta': None,
                }
            )
            if d.rank == 0 and (self.step % self.log_every == 0 or self.step == 1):
                self.note(
                    f'step {self.step}  epoch {epoch + 1}  loss {loss / per:.4f}  lr {lr:.3g}  |g| {norm:.3g}  '
                    f'{tps:,.0f} target tokens/s'
                )
            if (
                d.rank == 0
                and self.valid is not None
                and eval_every > 0
                and self.step % eval_every == 0
                and self.run_eval(True)
            ):
                self.stop_signal = self.stop_signal or 'early-stopping'  # every rank stops at the next broadcast
            if d.rank == 0 and ckpt_every > 0 and self.step % ckpt_every == 0:
                self.save('last')
        if d.rank == 0:
            if reason != 'interrupted' and self.valid is not None and self.last_eval != self.step and self.step > 0:
                self.run_eval(False)
            self.save('last')
            best = {'metric': 'loss', 'value': self.best['value'], 'step': self.best['step']} if self.best else None
            self.emit(
                {
                    'type': 'done',
                    'step': self.step,
                    'epoch': self.batcher.state()['epoch'],
                    'reason': reason,
                    'elapsed': self.session(),
                    'best': best,
                }
            )
            b = f"; best validation loss {best['value']:.4f} at step {best['step']}" if best else ''
            print(f'{self.r.run}: stopped ({reason}) at step {self.step}{b}', flush=True)
        d.barrier()
        return reason


def main(argv=None):
    args = parse_args(argv)
    d = None
    try:
        d = Dist(args.device)
        run = Run(args, d)
        trainer = Trainer(run, d, args.threads, args.log_every)

        def on_signal(signum, _frame):
            trainer.stop_signal = 'interrupted'

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        reason = trainer.run()
        d.close()
        return 130 if reason == 'interrupted' else 0
    except (UsageError, SettingsError, SafetensorsError, FileNotFoundError, ValueError, json.JSONDecodeError) as e:
        print(f'train_ddp: {e}', file=sys.stderr, flush=True)
        return 2


if __name__ == '__main__':
    sys.exit(main())
