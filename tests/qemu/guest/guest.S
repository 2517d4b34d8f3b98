/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny x86 guest for a real VMM, as the VM's whole firmware (-bios): a
 * 64 KiB ROM whose reset vector copies the guest to 0x7c00 and runs it. No
 * SeaBIOS: under nested TCG about one SeaBIOS boot in seven hung for good
 * at a random point of SeaBIOS (docs/qemu.md), and this guest needs no BIOS
 * service. It runs with interrupts off throughout; only NMIs come in.
 *
 * It checks CPUID, enters 32-bit protected mode, enables XSAVE, sets XCR0
 * to what the CPU offers among x87/SSE/AVX/PKRU, writes PKRU (with CR4.PKE
 * set for WRPKRU) where PKU is offered, fills ymm0 with a known pattern,
 * reports on COM1 and halts. Every NMI makes it report ymm0 and PKRU again,
 * so a test can tell whether the state arrived after a migration.
 *
 * Variants (assembled with --defsym KEEP_PKE=1 or 0):
 *   pke    CR4.PKE stays set, as in a Linux guest that uses protection keys
 *   nopke  CR4.PKE is cleared again after WRPKRU: PKRU stays non-zero
 *
 * Serial lines, all starting "kxp-guest: ":
 *   start variant=V
 *   cpuid xsave=B avx=B pku=B xcr0_supported=HEX
 *   xcr0=HEX cr4=HEX
 *   ready ymm0=HEX64 pkru=HEX xstate_bv=HEX cr4=HEX
 *   nmi N ymm0=HEX64 pkru=HEX xstate_bv=HEX cr4=HEX
 *   fault vector=HEX err=HEX eip=HEX      (then it halts for good)
 *   no xsave / xcr0 lost                  (then it halts for good)
 *   xrstor #GP, xcr0 was reset by a vm exit: again
 *
 * Trap of nested TCG: the emulated SVM does not intercept this guest's
 * XSETBV, so the L1 KVM never learns the XCR0 set here and puts back its
 * own idea of it (1) at every guest entry. Each use of extended state
 * therefore sets XCR0 right before, does the one XRSTOR or XSAVE, and
 * reads XCR0 back: if it changed, a VM exit came in between and the step
 * is repeated (an exit right before the XRSTOR makes it #GP instead: also
 * repeated, and said on the serial port). ymm0 itself survives exits (KVM
 * saves it with the host's XCR0). XRSTOR/XSAVE are used instead of VEX
 * instructions, which #UD with XCR0 1 (and in real mode).
 */

#define COM1		0x3f8
#define DEBUGCON	0x402		/* QEMU isa-debugcon, -device iobase= */
#define XSAVE_AREA	0x10000		/* snapshot, 64-byte aligned, 4 KiB */
#define LOAD_AREA	0x11000		/* the pattern, for XRSTOR */
#define STACK_TOP	0x70000
#define APIC_SVR	0xfee000f0
#define APIC_SVR_ENABLE	(1 << 8)
#define APIC_LVT_LINT1	0xfee00360
#define APIC_LVT_NMI	(4 << 8)		/* delivery mode NMI, unmasked */
#define PKRU_VALUE	0x55555554
#define CR4_OSFXSR	(1 << 9)
#define CR4_OSXMMEXCPT	(1 << 10)
#define CR4_OSXSAVE	(1 << 18)
#define CR4_PKE		(1 << 22)
#define XCR0_WANTED	0x207		/* x87 | SSE | AVX | PKRU */
#define XFEAT_SSE_AVX	0x6
#define XFEAT_PKRU	0x200
#define AVX_OFFSET	576		/* standard format, ymm0 upper half */

	/*
	 * The reset vector (F000:FFF0, the ROM's last 16 bytes): on to the
	 * copy below, in the ROM too.
	 */
	.code16
	.section .reset, "ax"
	ljmp $0xf000, $rom_copy

	/*
	 * Say "reset" on the debug port (QEMU's isa-debugcon: a trace of every
	 * reset, the guest's own log has none), copy the image from the ROM's
	 * start (F000:0000) to 0x7c00 where it is linked, and go on there.
	 */
	.section .rom, "ax"
rom_copy:
	cli
	cld
	movw $0xf000, %ax
	movw %ax, %ds
	movw $msg_reset, %si
	movw $DEBUGCON, %dx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:
	xorw %ax, %ax
	movw %ax, %es
	movw %ax, %ss
	movw $0x7c00, %sp
	xorw %si, %si
	movw $0x7c00, %di
	movl $image_dwords, %ecx
	rep movsl
	ljmp $0, $_start
msg_reset:	.asciz "kxp-guest rom: reset\n"

	.text
	.globl _start
_start:
	xorw %ax, %ax
	movw %ax, %ds
	lgdt gdt_desc
	/* Protected mode, and caches on (CR0.CD, NW are set at reset). */
	movl %cr0, %eax
	andl $~0x60000000, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $pm_entry

	.p2align 3
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: flat data */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.code32
pm_entry:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	movl $STACK_TOP, %esp
	call idt_setup
	lidt idt_desc
	/*
	 * The local APIC as a BIOS leaves it: software-enabled, LINT1 an NMI.
	 * QEMU's own APIC (TCG) delivers inject-nmi through LINT1, masked at
	 * reset; KVM's injects it directly.
	 */
	orl $APIC_SVR_ENABLE, APIC_SVR
	movl $APIC_LVT_NMI, APIC_LVT_LINT1

	movl $msg_start, %esi
	call puts

	/* CPUID: leaf 1 ECX.XSAVE[26], ECX.AVX[28]; leaf 7 ECX.PKU[3]. */
	movl $1, %eax
	cpuid
	movl %ecx, %ebx
	shrl $26, %ebx
	andl $1, %ebx
	movl %ebx, has_xsave
	shrl $28, %ecx
	andl $1, %ecx
	movl %ecx, has_avx
	xorl %eax, %eax
	cpuid
	cmpl $7, %eax
	jb 3f
	movl $7, %eax
	xorl %ecx, %ecx
	cpuid
	shrl $3, %ecx
	andl $1, %ecx
	movl %ecx, has_pku
3:
	cmpl $0, has_xsave
	je 4f
	movl $0xd, %eax
	xorl %ecx, %ecx
	cpuid
	movl %eax, xcr0_supported
	cmpl $0, has_pku
	je 4f
	movl $0xd, %eax
	movl $9, %ecx
	cpuid
	movl %ebx, pkru_offset
4:
	movl $msg_cpuid, %esi
	call puts
	movl has_xsave, %eax
	call put_digit
	movl $msg_avx, %esi
	call puts
	movl has_avx, %eax
	call put_digit
	movl $msg_pku, %esi
	call puts
	movl has_pku, %eax
	call put_digit
	movl $msg_supported, %esi
	call puts
	movl xcr0_supported, %eax
	call put_hex
	call put_eol

	cmpl $0, has_xsave
	jne 5f
	movl $msg_no_xsave, %esi
	call puts
	jmp halt_forever
5:
	/* x87/SSE usable (CR0.EM clear, MP set, TS clear), then XSAVE. */
	movl %cr0, %eax
	andl $~0xc, %eax
	orl $0x2, %eax
	movl %eax, %cr0
	fninit
	movl %cr4, %eax
	orl $(CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE), %eax
	movl %eax, %cr4

	/* XCR0: what is offered among x87/SSE/AVX/PKRU. */
	movl xcr0_supported, %eax
	andl $XCR0_WANTED, %eax
	cmpl $0, has_avx
	jne 6f
	andl $~0x4, %eax
6:
	cmpl $0, has_pku
	jne 7f
	andl $~XFEAT_PKRU, %eax
7:
	movl %eax, xcr0_want
	xorl %ecx, %ecx
	xorl %edx, %edx
	xsetbv

	/* PKRU: WRPKRU needs CR4.PKE; the nopke variant clears it again. */
	cmpl $0, has_pku
	je 8f
	movl %cr4, %eax
	orl $CR4_PKE, %eax
	movl %eax, %cr4
	movl $PKRU_VALUE, %eax
	xorl %ecx, %ecx
	xorl %edx, %edx
	wrpkru
.if KEEP_PKE == 0
	movl %cr4, %eax
	andl $~CR4_PKE, %eax
	movl %eax, %cr4
.endif
8:
	movl $msg_xcr0, %esi
	call puts
	movl xcr0_want, %eax
	call put_hex
	movl $msg_cr4, %esi
	call puts
	movl %cr4, %eax
	call put_hex
	call put_eol

	call load_pattern
	movl $msg_ready, %esi
	call puts
	call report

halt_forever:
	cli
1:	hlt
	jmp 1b

/* ymm0 = bytes 0x00..0x1f (xmm0 the low 16), through XRSTOR. */
load_pattern:
	movl $LOAD_AREA, %edi
	movl $256, %ecx
	xorl %eax, %eax
	rep stosl
	movl $LOAD_AREA, %edi
	movw $0x037f, (%edi)			/* FCW */
	movl $0x1f80, 24(%edi)			/* MXCSR */
	xorl %ecx, %ecx
1:	movb %cl, %al
	cmpl $16, %ecx
	jae 2f
	movb %al, 160(%edi,%ecx)		/* xmm0 */
	jmp 3f
2:	movb %al, (AVX_OFFSET - 16)(%edi,%ecx)	/* ymm0 upper half */
3:	incl %ecx
	cmpl $32, %ecx
	jb 1b
	movl xcr0_want, %eax
	andl $XFEAT_SSE_AVX, %eax
	movl %eax, 512(%edi)			/* XSTATE_BV */
	movl $100, %ebp
4:	movl xcr0_want, %eax
	xorl %ecx, %ecx
	xorl %edx, %edx
	xsetbv
	movl xcr0_want, %eax
	andl $XFEAT_SSE_AVX, %eax
xrstor_pattern:
	xrstor LOAD_AREA
	call xcr0_still_wanted
	je 5f
xrstor_again:
	decl %ebp
	jnz 4b
	jmp xcr0_lost
5:	ret

/* ZF set when XCR0 is still what this guest set. */
xcr0_still_wanted:
	xorl %ecx, %ecx
	xgetbv
	cmpl xcr0_want, %eax
	ret

xcr0_lost:
	movl $msg_xcr0_lost, %esi
	call puts
	jmp halt_forever

/* XSAVE of everything enabled into XSAVE_AREA (zeroed first). */
snapshot:
	movl $100, %ebp
1:	movl $XSAVE_AREA, %edi
	movl $1024, %ecx
	xorl %eax, %eax
	rep stosl
	movl xcr0_want, %eax
	xorl %ecx, %ecx
	xorl %edx, %edx
	xsetbv
	movl $-1, %eax
	movl $-1, %edx
	xsave XSAVE_AREA
	call xcr0_still_wanted
	je 2f
	decl %ebp
	jnz 1b
	jmp xcr0_lost
2:	ret

/* " ymm0=... pkru=... xstate_bv=... cr4=...\r\n" from a fresh snapshot. */
report:
	call snapshot
	movl $msg_ymm0, %esi
	call puts
	movl $(XSAVE_AREA + AVX_OFFSET + 12), %ebx
1:	movl (%ebx), %eax
	call put_hex
	subl $4, %ebx
	cmpl $(XSAVE_AREA + AVX_OFFSET), %ebx
	jae 1b
	movl $(XSAVE_AREA + 160 + 12), %ebx
2:	movl (%ebx), %eax
	call put_hex
	subl $4, %ebx
	cmpl $(XSAVE_AREA + 160), %ebx
	jae 2b
	movl $msg_pkru, %esi
	call puts
	xorl %eax, %eax
	testl $XFEAT_PKRU, XSAVE_AREA + 512
	jz 3f
	movl pkru_offset, %ebx
	movl XSAVE_AREA(%ebx), %eax
3:	call put_hex
	movl $msg_xstate_bv, %esi
	call puts
	movl XSAVE_AREA + 512, %eax
	call put_hex
	movl $msg_cr4, %esi
	call puts
	movl %cr4, %eax
	call put_hex
	call put_eol
	ret

nmi_handler:
	pushal
	incl nmi_count
	movl $msg_nmi, %esi
	call puts
	movl nmi_count, %eax
	call put_dec
	cmpl $0, has_xsave
	je 1f
	cmpl $0, xcr0_want
	je 1f
	call report
	jmp 2f
1:	call put_eol
2:	popal
	iret

/* Exceptions: report vector, error code and EIP, then halt for good. */
	.macro exc_plain n
exc_\n:
	pushl $0
	pushl $\n
	jmp exc_common
	.endm
	.macro exc_error n
exc_\n:
	pushl $\n
	jmp exc_common
	.endm
	.irp n, 0,1,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
	exc_plain \n
	.endr
	.irp n, 8,10,11,12,13,14,17,21,29,30
	exc_error \n
	.endr
	.set exc_2, nmi_handler

exc_common:
	/*
	 * A VM exit between the XSETBV and the XRSTOR of load_pattern puts
	 * XCR0 back to 1, and XRSTOR of AVX state then takes a #GP: the same
	 * exit as the read-back catches, one instruction earlier. Say so and
	 * take the step again; any other fault is reported.
	 */
	cmpl $13, (%esp)
	jne 1f
	cmpl $xrstor_pattern, 8(%esp)
	jne 1f
	call xcr0_still_wanted
	je 1f
	movl $msg_xrstor_again, %esi
	call puts
	movl $xrstor_again, 8(%esp)
	addl $8, %esp
	iret
1:	movl $msg_fault, %esi
	call puts
	movl (%esp), %eax
	call put_hex
	movl $msg_err, %esi
	call puts
	movl 4(%esp), %eax
	call put_hex
	movl $msg_eip, %esi
	call puts
	movl 8(%esp), %eax
	call put_hex
	call put_eol
	jmp halt_forever

/* 32 interrupt gates, selector 0x08. */
idt_setup:
	xorl %ecx, %ecx
1:	movl exc_table(,%ecx,4), %eax
	movw %ax, idt(,%ecx,8)
	movw $0x08, idt + 2(,%ecx,8)
	movw $0x8e00, idt + 4(,%ecx,8)
	shrl $16, %eax
	movw %ax, idt + 6(,%ecx,8)
	incl %ecx
	cmpl $32, %ecx
	jb 1b
	ret

/* Serial output. QEMU's UART takes every THR write at once, so no LSR
 * polling: each port access is a VM exit, and they are slow nested. */
putc:
	pushl %edx
	movw $COM1, %dx
	outb %al, %dx
	popl %edx
	ret

puts:
	pushl %eax
1:	lodsb
	testb %al, %al
	jz 2f
	call putc
	jmp 1b
2:	popl %eax
	ret

put_eol:
	movl $msg_eol, %esi
	jmp puts

put_digit:
	addb $'0', %al
	jmp putc

/* EAX as 8 hex digits. */
put_hex:
	pushl %ecx
	pushl %edx
	movl %eax, %edx
	movl $8, %ecx
1:	roll $4, %edx
	movl %edx, %eax
	andl $0xf, %eax
	movb hex_digits(%eax), %al
	call putc
	loop 1b
	popl %edx
	popl %ecx
	ret

/* EAX (< 10000) in decimal. */
put_dec:
	pushl %ebx
	pushl %ecx
	pushl %edx
	xorl %ecx, %ecx
	movl $10, %ebx
1:	xorl %edx, %edx
	divl %ebx
	pushl %edx
	incl %ecx
	testl %eax, %eax
	jnz 1b
2:	popl %eax
	call put_digit
	loop 2b
	popl %edx
	popl %ecx
	popl %ebx
	ret

	.data
	.p2align 2
exc_table:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long exc_\n
	.endr
idt_desc:
	.word 32 * 8 - 1
	.long idt
has_xsave:	.long 0
has_avx:	.long 0
has_pku:	.long 0
xcr0_supported:	.long 0
xcr0_want:	.long 0
pkru_offset:	.long 0
nmi_count:	.long 0
hex_digits:	.ascii "0123456789abcdef"
msg_start:
.if KEEP_PKE
	.asciz "kxp-guest: start variant=pke\r\n"
.else
	.asciz "kxp-guest: start variant=nopke\r\n"
.endif
msg_cpuid:	.asciz "kxp-guest: cpuid xsave="
msg_avx:	.asciz " avx="
msg_pku:	.asciz " pku="
msg_supported:	.asciz " xcr0_supported="
msg_no_xsave:	.asciz "kxp-guest: no xsave\r\n"
msg_xcr0_lost:	.asciz "kxp-guest: xcr0 lost\r\n"
msg_xcr0:	.asciz "kxp-guest: xcr0="
msg_cr4:	.asciz " cr4="
msg_ready:	.asciz "kxp-guest: ready"
msg_nmi:	.asciz "kxp-guest: nmi "
msg_ymm0:	.asciz " ymm0="
msg_pkru:	.asciz " pkru="
msg_xstate_bv:	.asciz " xstate_bv="
msg_fault:	.asciz "kxp-guest: fault vector="
msg_xrstor_again:	.asciz "kxp-guest: xrstor #GP, xcr0 was reset by a vm exit: again\r\n"
msg_err:	.asciz " err="
msg_eip:	.asciz " eip="
msg_eol:	.asciz "\r\n"
	.p2align 3
idt:
	.fill 32 * 8, 1, 0
