// A dialog on the native <dialog> element: focus is trapped and Esc closes it.
import { useEffect, useRef, type ReactNode } from "react";

export function Modal({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      aria-labelledby="modal-title"
      onClose={onClose}
      className="w-full max-w-lg rounded-card p-0 shadow-xl backdrop:bg-ink/40"
    >
      <div className="space-y-4 p-6">
        <h2 id="modal-title" className="text-lg font-semibold text-ink">
          {title}
        </h2>
        {children}
      </div>
    </dialog>
  );
}
