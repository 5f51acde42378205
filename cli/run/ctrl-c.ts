// Ctrl-C: the first press asks the run to stop gracefully, the second quits at once.
export interface CtrlC {
  /** A press that arrived some other way (e.g. readline in raw mode swallowed the signal). */
  press(): void;
  readonly pressed: number;
  dispose(): void;
}

export function watchCtrlC(first: () => void, second: () => void): CtrlC {
  let pressed = 0;
  const press = () => {
    pressed++;
    if (pressed === 1) first();
    else second();
  };
  // Listening replaces Node's default (exit at once), which the second press restores by hand.
  process.on('SIGINT', press);
  return {
    press,
    get pressed() {
      return pressed;
    },
    dispose: () => process.off('SIGINT', press),
  };
}
