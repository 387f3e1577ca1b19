# bash completion for vmxbox and vmxbox-qemu.
# SPDX-License-Identifier: MIT
# The commands and options come from the programs' own --help at completion
# time, so this file never lists them a second time.

_vmxbox_help_words()
{
	# Options (--long, -s) and, for the top-level help, command names.
	"$@" 2>&1 | sed -n -e 's/^ *\(-[-a-zA-Z0-9]*=\{0,1\}\).*/\1/p' \
		-e 's/^ *\(-[a-zA-Z]\), \(--[-a-zA-Z0-9]*=\{0,1\}\).*/\1 \2/p'
}

_vmxbox()
{
	local cur=${COMP_WORDS[COMP_CWORD]} cmd="" i words
	local prog=${COMP_WORDS[0]}

	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		words=$("$prog" --help 2>/dev/null | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')
		COMPREPLY=($(compgen -W "$words --help --version" -- "$cur"))
		return
	fi
	case $cur in
	--*=*|-*)
		words=$(_vmxbox_help_words "$prog" "$cmd" --help)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		[[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
		;;
	*)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	esac
}

_vmxbox_qemu()
{
	local cur=${COMP_WORDS[COMP_CWORD]} words

	if [[ $cur == -* ]]; then
		words=$("${COMP_WORDS[0]}" -h 2>/dev/null |
			grep -o -e '^-[a-z][-a-z]*' -e '  -[a-z][-a-z]*' | tr -d ' ')
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

complete -F _vmxbox vmxbox
complete -F _vmxbox_qemu vmxbox-qemu
