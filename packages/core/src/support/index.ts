export {
  assignTicket,
  getTicket,
  listTickets,
  openTicket,
  rateTicket,
  replyToTicket,
  resolveTicket,
  type SupportViewer,
  type TicketMessageView,
  type TicketView,
} from './support.service.js';
export {
  SupportTicket,
  type SupportTicketEntity,
  SupportTicketMessage,
  type SupportTicketMessageEntity,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  type TicketPriority,
  type TicketStatus,
} from './support-ticket.entity.js';
