export { FileTransfers, type FileTransfersOptions, type FileTransfersEvents, type FileTransferRoom, type SendOptions } from './transfers.ts';
export { Transfer, type TransferDirection, type TransferState, type TransferStorage } from './transfer.ts';
export { FileTransferError, FILE_TRANSFER_ERROR_CODES, type FileTransferErrorCode } from './errors.ts';
