// JSON columns are text in both dialects; these keep the (de)serialisation in one place.
export const toJson = (value: unknown): string => JSON.stringify(value);
export const fromJson = <T>(text: string): T => JSON.parse(text) as T;
