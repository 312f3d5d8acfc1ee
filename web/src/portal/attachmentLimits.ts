// The attachment limits the gateway enforces (kit/src/kit/attachments.py), checked before uploading.
import type { TFunction } from "i18next";

import { formatBytes } from "../components/fileSize";

export const MAX_FILES = 10;
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

const OOXML = "application/vnd.openxmlformats-officedocument";
const ODF = "application/vnd.oasis.opendocument";
// Types and extensions the file picker offers; the gateway checks the bytes themselves too.
export const ACCEPTED_TYPES = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "application/pdf",
  "text/plain",
  "text/csv",
  "application/zip",
  "application/msword",
  "application/vnd.ms-excel",
  "application/vnd.ms-powerpoint",
  `${OOXML}.wordprocessingml.document`,
  `${OOXML}.spreadsheetml.sheet`,
  `${OOXML}.presentationml.presentation`,
  `${ODF}.text`,
  `${ODF}.spreadsheet`,
  `${ODF}.presentation`,
];
const ACCEPTED_EXTENSIONS = [
  ".png",
  ".jpg",
  ".jpeg",
  ".gif",
  ".webp",
  ".pdf",
  ".txt",
  ".log",
  ".csv",
  ".zip",
  ".doc",
  ".xls",
  ".ppt",
  ".docx",
  ".xlsx",
  ".pptx",
  ".odt",
  ".ods",
  ".odp",
];
export const ACCEPT_ATTRIBUTE = [...ACCEPTED_TYPES, ...ACCEPTED_EXTENSIONS].join(",");

function accepted(file: File): boolean {
  const name = file.name.toLowerCase();
  if (ACCEPTED_EXTENSIONS.some((extension) => name.endsWith(extension))) return true;
  return ACCEPTED_TYPES.includes(file.type);
}

// What is wrong with the chosen files, for the message next to the field; null when nothing is.
export function checkFiles(files: File[], t: TFunction): string | null {
  if (files.length > MAX_FILES) return t("attachments.tooMany", { count: MAX_FILES });
  const tooLarge = files.find((file) => file.size > MAX_FILE_BYTES);
  if (tooLarge) return t("attachments.tooLarge", { name: tooLarge.name, limit: formatBytes(MAX_FILE_BYTES) });
  const refused = files.find((file) => !accepted(file));
  if (refused) return t("attachments.refusedType", { name: refused.name });
  return null;
}
