# zsh_complete.zsh COMPLETION_DIR WORDS: types WORDS and a Tab into an interactive zsh
# (in a pseudo-terminal) with the completion loaded, and prints the edited line.
zmodload zsh/zpty || exit 77
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D; tlsscope() { :; }"
zpty -w z "print RE""ADY"
# Type only once the next prompt is up (zle drops keys typed before it starts).
zpty -r -m z out '*READY*> *'
sleep 0.2
zpty -n -w z "$2"$'\t'
sleep 1
# Ctrl-A, a print in front of the completed line, Ctrl-E, its end marker, Enter.
zpty -n -w z $'\x01print -r -- GOT:\x05:END\n'
zpty -r -m z out '*GOT:*:END*'
print -r -- "${${out##*GOT:}%%:END*}"
zpty -d z
