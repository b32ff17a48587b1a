"""The command line's parser: the window's options and one subcommand per module of this package.

Nothing here imports Qt; ``audioscope.app`` starts the window when no subcommand is given.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

from audioscope import __version__
from audioscope.cli.evaluate import add_evaluate_command
from audioscope.cli.extract import add_extract_command
from audioscope.cli.info import add_info_command
from audioscope.cli.predict import add_predict_command
from audioscope.cli.similar import add_similar_command
from audioscope.cli.train import add_train_command

DESCRIPTION = """\
audioscope — explore the UrbanSound8K dataset: waveform, mel spectrogram and MFCCs of
every clip, playback, and a bundled classifier's predictions.

Without a command it opens the explorer window."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="audioscope", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"audioscope {__version__}")
    parser.add_argument("--dataset", metavar="PATH", type=Path,
                        help="open this UrbanSound8K folder (the one holding metadata/ and audio/)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    parser.add_argument("--self-test", nargs="?", const="", metavar="FILE", dest="self_test",
                        help="check the installation headless: open the window offscreen, show FILE "
                             "(default: a generated test tone), predict, print one line; exit 1 on failure")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    add_info_command(commands)
    add_train_command(commands)
    add_predict_command(commands)
    add_extract_command(commands)
    add_evaluate_command(commands)
    add_similar_command(commands)
    return parser


def run_command(args: argparse.Namespace) -> int:
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)
