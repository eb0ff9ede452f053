# bash completion for agrec-record, agrec-mix, agrec-capture, agrec-convert.
# The options come from each program's own --help, so they never drift.
# Installed as share/bash-completion/completions/agrec-* (one copy per
# program, as bash-completion loads completions by command name).
_agrec() {
	local cur prev opts
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-f|--folder|--scan|--recordFileRootDir|-o|--output)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0 ;;
	--layout|--sdp|--cfgFilePath|--defaultVideoBg|--defaultUserBg|--emit|--dump|-i|--input|--pcm|--index|--watermarkImage|--watermarkFont)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0 ;;
	-m|--mode) mapfile -t COMPREPLY < <(compgen -W "0 1 2 3" -- "$cur"); return 0 ;;
	--layoutMode) mapfile -t COMPREPLY < <(compgen -W "0 1 2 3" -- "$cur"); return 0 ;;
	--mixedVideoAudio|--audioProfile) mapfile -t COMPREPLY < <(compgen -W "0 1 2" -- "$cur"); return 0 ;;
	--isMixingEnabled|--isAudioOnly|--isVideoOnly|--triggerMode|--rawFifo|--keepLastFrame|--autoSubscribe|--enableH265Support|--watermarkTimestamp|--watermarkLocalTime) mapfile -t COMPREPLY < <(compgen -W "0 1" -- "$cur"); return 0 ;;
	--getAudioFrame) mapfile -t COMPREPLY < <(compgen -W "0 1 2 3" -- "$cur"); return 0 ;;
	--getVideoFrame) mapfile -t COMPREPLY < <(compgen -W "0 1 2 3 4 5" -- "$cur"); return 0 ;;
	--names) mapfile -t COMPREPLY < <(compgen -W "sdk sample" -- "$cur"); return 0 ;;
	esac
	if [[ $cur == -* ]]; then
		opts=$("$1" --help 2>/dev/null | grep -oE -- '--[A-Za-z][A-Za-z-]*' | sort -u)
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
	fi
	return 0
}
complete -F _agrec agrec-record agrec-mix agrec-capture agrec-convert
