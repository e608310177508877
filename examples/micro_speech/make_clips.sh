#!/usr/bin/env bash
# Synthesizes the example's own test audio: "yes" and "no" spoken by espeak-ng, as 1 s WAV files
# of 16 kHz mono 16-bit PCM with the word 250 ms in (TFLM's test clips are laid out alike).
#   make_clips.sh OUTPUT_DIR        writes OUTPUT_DIR/yes.wav and OUTPUT_DIR/no.wav
# Debian 12 packages espeak-ng and sox (scripts/setup.sh installs them). Deterministic: espeak-ng
# has no randomness and sox runs without dither (-D), so the same versions give the same bytes.
set -euo pipefail
out=$1
mkdir -p "$out"
for word in yes no; do
  # espeak-ng: American English voice, 130 words per minute, 22050 Hz mono WAV.
  espeak-ng -v en-us -s 130 -w "$out/$word.espeak.wav" "$word"
  # sox: 16 kHz (the rate effect first, so that trim counts 16 kHz samples), 16-bit mono, peak
  # at -3 dBFS, 250 ms of silence in front, cut to exactly 16000 samples (espeak-ng's output
  # is about 1 s long, the word and its trailing silence).
  sox -D "$out/$word.espeak.wav" -r 16000 -c 1 -b 16 -e signed-integer "$out/$word.wav" \
      rate 16000 gain -n -3 pad 0.25 trim 0 16000s
  rm "$out/$word.espeak.wav"
done
