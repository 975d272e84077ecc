package dev.sluice.safety;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.asm.AnnotationVisitor;
import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.FieldVisitor;
import org.springframework.asm.Label;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.Type;

/**
 * What one class's bytecode declares about its fields: their annotations (class-retention
 * ones too, which reflection cannot see, such as Error Prone's {@code @GuardedBy}), and
 * which of its methods write each field. A write from code in another class (an inner
 * class writing its outer class's field) is not seen.
 */
final class ClassDeclarations {

	final Set<String> classAnnotations = new HashSet<>();

	final Map<String, Set<String>> fieldAnnotations = new HashMap<>();

	final Map<String, List<Writer>> writers = new HashMap<>();

	/**
	 * Fields whose value is changed in place (a mutating call on it, a store into it)
	 * outside construction.
	 */
	final Map<String, Set<String>> mutatedBy = new HashMap<>();

	/** Method names that change a collection, a map, a builder or a bit set in place. */
	static final Set<String> MUTATORS = Set.of("add", "addAll", "addFirst", "addLast", "put", "putAll", "putIfAbsent",
			"putFirst", "putLast", "remove", "removeAll", "removeIf", "retainAll", "clear", "set", "compute",
			"computeIfAbsent", "computeIfPresent", "merge", "replace", "replaceAll", "sort", "offer", "offerFirst",
			"offerLast", "poll", "pollFirst", "pollLast", "pollFirstEntry", "pollLastEntry", "push", "pop",
			"removeFirst", "removeLast", "append", "insert", "delete", "deleteCharAt", "setLength", "setCharAt",
			"reverse", "flip", "and", "or", "xor", "andNot");

	/**
	 * Types whose every method may change their state (formatting and parsing use a
	 * shared calendar).
	 */
	static final Set<String> STATEFUL_OWNERS = Set.of("java/text/SimpleDateFormat", "java/text/DateFormat",
			"java/text/Format", "java/text/NumberFormat", "java/text/DecimalFormat", "java/text/MessageFormat",
			"java/util/Calendar", "java/util/GregorianCalendar", "java/util/regex/Matcher", "java/lang/StringBuilder");

	/**
	 * Reads a class's bytecode.
	 * @param type the class
	 * @return its declarations; {@code null} when its bytecode cannot be read
	 */
	static @Nullable ClassDeclarations read(Class<?> type) {
		ClassLoader loader = (type.getClassLoader() != null) ? type.getClassLoader()
				: ClassLoader.getSystemClassLoader();
		try (InputStream in = loader.getResourceAsStream(type.getName().replace('.', '/') + ".class")) {
			if (in == null) {
				return null;
			}
			ClassDeclarations declarations = new ClassDeclarations();
			new ClassReader(in).accept(declarations.new Reader(Type.getInternalName(type)), ClassReader.SKIP_FRAMES);
			return declarations;
		}
		catch (IOException | RuntimeException ex) {
			return null;
		}
	}

	/**
	 * The simple name of an annotation from its descriptor:
	 * {@code Lcom/x/Outer$GuardedBy;} is {@code GuardedBy}.
	 */
	static String simpleName(String descriptor) {
		String name = Type.getType(descriptor).getClassName();
		return name.substring(Math.max(name.lastIndexOf('.'), name.lastIndexOf('$')) + 1);
	}

	private final class Reader extends ClassVisitor {

		private final String owner;

		Reader(String owner) {
			super(Opcodes.ASM9);
			this.owner = owner;
		}

		@Override
		public AnnotationVisitor visitAnnotation(String descriptor, boolean visible) {
			ClassDeclarations.this.classAnnotations.add(simpleName(descriptor));
			return null;
		}

		@Override
		public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
			Set<String> annotations = ClassDeclarations.this.fieldAnnotations.computeIfAbsent(name,
					(key) -> new HashSet<>());
			return new FieldVisitor(Opcodes.ASM9) {
				@Override
				public AnnotationVisitor visitAnnotation(String annotation, boolean visible) {
					annotations.add(simpleName(annotation));
					return null;
				}
			};
		}

		@Override
		public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
				String[] exceptions) {
			return new WriteTracker(this.owner, name, descriptor);
		}

	}

	/**
	 * Records the fields a method writes, and the fields whose value it changes in place:
	 * after a read of a field, the number of values above it on the operand stack is
	 * followed until the field's value is the receiver of a call (a mutator, or any call
	 * on a stateful type) or the array of a store. Control flow ends the tracking, so a
	 * mutation inside a conditional expression is missed rather than guessed.
	 */
	private final class WriteTracker extends MethodVisitor {

		private final String owner;

		private final String name;

		private final String descriptor;

		private final Set<String> annotations = new HashSet<>();

		private final boolean initializer;

		private String tracked;

		private int above;

		WriteTracker(String owner, String name, String descriptor) {
			super(Opcodes.ASM9);
			this.owner = owner;
			this.name = name;
			this.descriptor = descriptor;
			this.initializer = name.equals("<init>") || name.equals("<clinit>");
		}

		@Override
		public AnnotationVisitor visitAnnotation(String annotation, boolean visible) {
			this.annotations.add(simpleName(annotation));
			return null;
		}

		@Override
		public void visitFieldInsn(int opcode, String fieldOwner, String field, String fieldDescriptor) {
			boolean own = fieldOwner.equals(this.owner);
			if ((opcode == Opcodes.PUTFIELD || opcode == Opcodes.PUTSTATIC) && own) {
				ClassDeclarations.this.writers.computeIfAbsent(field, (key) -> new ArrayList<>())
					.add(new Writer(this.name, this.descriptor, this.annotations));
			}
			switch (opcode) {
				case Opcodes.GETFIELD -> stack(1, 1);
				case Opcodes.GETSTATIC -> stack(0, 1);
				case Opcodes.PUTFIELD -> stack(2, 0);
				default -> stack(1, 0);
			}
			if ((opcode == Opcodes.GETFIELD || opcode == Opcodes.GETSTATIC) && own && !this.initializer) {
				this.tracked = field;
				this.above = 0;
			}
		}

		@Override
		public void visitMethodInsn(int opcode, String methodOwner, String method, String methodDescriptor,
				boolean isInterface) {
			int arguments = Type.getArgumentTypes(methodDescriptor).length;
			if (this.tracked != null && opcode != Opcodes.INVOKESTATIC && this.above == arguments
					&& (MUTATORS.contains(method) || STATEFUL_OWNERS.contains(methodOwner))) {
				mutated();
			}
			int pushed = (Type.getReturnType(methodDescriptor) == Type.VOID_TYPE) ? 0 : 1;
			stack(arguments + ((opcode == Opcodes.INVOKESTATIC) ? 0 : 1), pushed);
		}

		@Override
		public void visitInvokeDynamicInsn(String method, String methodDescriptor,
				org.springframework.asm.Handle bootstrap, Object... bootstrapArguments) {
			stack(Type.getArgumentTypes(methodDescriptor).length, 1);
		}

		@Override
		public void visitVarInsn(int opcode, int varIndex) {
			if (opcode >= Opcodes.ISTORE && opcode <= Opcodes.ASTORE) {
				stack(1, 0);
			}
			else {
				stack(0, 1);
			}
		}

		@Override
		public void visitInsn(int opcode) {
			if (opcode >= Opcodes.IASTORE && opcode <= Opcodes.SASTORE) {
				if (this.tracked != null && this.above == 2) {
					mutated();
				}
				stack(3, 0);
			}
			else if (opcode >= Opcodes.ACONST_NULL && opcode <= Opcodes.DCONST_1) {
				stack(0, 1);
			}
			else if (opcode >= Opcodes.IALOAD && opcode <= Opcodes.SALOAD) {
				stack(2, 1);
			}
			else if (opcode == Opcodes.DUP) {
				stack(1, 2);
			}
			else if (opcode == Opcodes.POP) {
				stack(1, 0);
			}
			else if (opcode >= Opcodes.IADD && opcode <= Opcodes.DREM) {
				stack(2, 1);
			}
			else if (opcode >= Opcodes.I2L && opcode <= Opcodes.I2S) {
				stack(1, 1);
			}
			else if (opcode == Opcodes.ARRAYLENGTH) {
				stack(1, 1);
			}
			else {
				this.tracked = null;
			}
		}

		@Override
		public void visitIntInsn(int opcode, int operand) {
			stack((opcode == Opcodes.NEWARRAY) ? 1 : 0, 1);
		}

		@Override
		public void visitLdcInsn(Object value) {
			stack(0, 1);
		}

		@Override
		public void visitTypeInsn(int opcode, String type) {
			if (opcode == Opcodes.NEW) {
				stack(0, 1);
			}
			else {
				stack(1, 1);
			}
		}

		@Override
		public void visitIincInsn(int varIndex, int increment) {
		}

		@Override
		public void visitJumpInsn(int opcode, Label label) {
			this.tracked = null;
		}

		@Override
		public void visitLabel(Label label) {
			this.tracked = null;
		}

		@Override
		public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
			this.tracked = null;
		}

		@Override
		public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
			this.tracked = null;
		}

		@Override
		public void visitMultiANewArrayInsn(String type, int dimensions) {
			this.tracked = null;
		}

		/**
		 * Applies an instruction's stack effect to the count of values above the tracked
		 * field's value.
		 */
		private void stack(int popped, int pushed) {
			if (this.tracked == null) {
				return;
			}
			if (popped > this.above) {
				this.tracked = null; // the value was consumed: passed as an argument,
										// stored, compared
				return;
			}
			this.above += pushed - popped;
		}

		private void mutated() {
			ClassDeclarations.this.mutatedBy.computeIfAbsent(this.tracked, (key) -> new HashSet<>()).add(this.name);
			this.tracked = null;
		}

	}

	/**
	 * A method that writes a field.
	 *
	 * @param name the method's name
	 * @param descriptor the method's descriptor
	 * @param annotations the method's annotation descriptors
	 */
	record Writer(String name, String descriptor, Set<String> annotations) {

		boolean isInitializer() {
			return this.name.equals("<init>") || this.name.equals("<clinit>");
		}

	}

}
